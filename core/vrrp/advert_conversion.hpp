#pragma once
// Between the wire (AdvertPacket) and the state machine (Advert, SendAdvert):
// the interval travels in centiseconds, priorities as one byte.
#include <cstdint>
#include <vector>

#include "core/vrrp/advert_packet.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::vrrp {

// `source` is the sender's address as the transport saw it (the UDP peer).
Advert to_advert(const AdvertPacket& packet, std::uint32_t source);

// Throws std::invalid_argument for a priority outside 0-255 or an interval
// that is not a whole number of centiseconds in 1-4095 (validate() rules
// these out for a configured instance).
AdvertPacket to_packet(int vrid, const SendAdvert& advert, std::vector<std::uint32_t> addresses);

}  // namespace wsfo::vrrp
