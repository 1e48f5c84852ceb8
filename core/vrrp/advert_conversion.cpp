#include "core/vrrp/advert_conversion.hpp"

#include <stdexcept>
#include <string>

namespace wsfo::vrrp {

namespace {

constexpr Duration kCentisecond = std::chrono::milliseconds(10);

}  // namespace

Advert to_advert(const AdvertPacket& packet, std::uint32_t source) {
  return Advert{packet.priority, packet.max_advert_interval_cs * kCentisecond, source};
}

AdvertPacket to_packet(int vrid, const SendAdvert& advert, std::vector<std::uint32_t> addresses) {
  if (vrid < 1 || vrid > 255)
    throw std::invalid_argument("virtual_router_id " + std::to_string(vrid) + " is outside 1-255");
  if (advert.priority < 0 || advert.priority > kOwnerPriority) {
    throw std::invalid_argument("priority " + std::to_string(advert.priority) + " is outside 0-255");
  }
  const auto centiseconds = advert.interval / kCentisecond;
  if (advert.interval % kCentisecond != Duration::zero() || centiseconds < 1 ||
      centiseconds > kMaxAdvertIntervalCentiseconds) {
    throw std::invalid_argument("advert interval is not 1-4095 whole centiseconds");
  }
  AdvertPacket packet;
  packet.vrid = static_cast<std::uint8_t>(vrid);
  packet.priority = static_cast<std::uint8_t>(advert.priority);
  packet.max_advert_interval_cs = static_cast<std::uint16_t>(centiseconds);
  packet.addresses = std::move(addresses);
  return packet;
}

}  // namespace wsfo::vrrp
