#include "core/vrrp/advert_packet.hpp"

#include <stdexcept>

namespace wsfo::vrrp {

namespace {

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  put_u16(out, static_cast<std::uint16_t>(value >> 16));
  put_u16(out, static_cast<std::uint16_t>(value & 0xFFFF));
}

std::uint16_t get_u16(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

std::uint32_t get_u32(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return (static_cast<std::uint32_t>(get_u16(bytes, at)) << 16) | get_u16(bytes, at + 2);
}

std::uint32_t add_words(std::uint32_t sum, const std::vector<std::uint8_t>& bytes) {
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    const std::uint32_t high = bytes[i];
    const std::uint32_t low = i + 1 < bytes.size() ? bytes[i + 1] : 0;  // odd length: pad with zero
    sum += (high << 8) | low;
  }
  return sum;
}

constexpr std::size_t kChecksumOffset = 6;

}  // namespace

const char* to_string(DecodeError error) {
  switch (error) {
    case DecodeError::short_packet:
      return "short packet: fewer than 8 bytes of VRRP header";
    case DecodeError::wrong_version:
      return "wrong version: expected VRRP version 3";
    case DecodeError::wrong_type:
      return "wrong type: expected 1 (ADVERTISEMENT)";
    case DecodeError::zero_vrid:
      return "virtual router id 0 is invalid";
    case DecodeError::count_mismatch:
      return "count mismatch: length is not 8 + 4 x address count";
    case DecodeError::zero_interval:
      return "max advert interval is 0";
    case DecodeError::bad_checksum:
      return "bad checksum";
  }
  return "?";
}

std::uint16_t vrrp_checksum(const std::vector<std::uint8_t>& bytes, const std::optional<PseudoHeader>& pseudo) {
  std::uint32_t sum = 0;
  if (pseudo) {
    std::vector<std::uint8_t> header;
    put_u32(header, pseudo->source);
    put_u32(header, pseudo->destination);
    header.push_back(0);
    header.push_back(kVrrpProtocolNumber);
    put_u16(header, static_cast<std::uint16_t>(bytes.size()));
    sum = add_words(sum, header);
  }
  sum = add_words(sum, bytes);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

std::vector<std::uint8_t> encode(const AdvertPacket& packet, const std::optional<PseudoHeader>& pseudo) {
  if (packet.max_advert_interval_cs > kMaxAdvertIntervalCentiseconds) {
    throw std::invalid_argument("max advert interval " + std::to_string(packet.max_advert_interval_cs) +
                                " cs does not fit in 12 bits");
  }
  if (packet.addresses.size() > 255) throw std::invalid_argument("more than 255 addresses in one advert");
  std::vector<std::uint8_t> out;
  out.reserve(kAdvertHeaderSize + 4 * packet.addresses.size());
  out.push_back(static_cast<std::uint8_t>((kVrrpVersion << 4) | kAdvertisementType));
  out.push_back(packet.vrid);
  out.push_back(packet.priority);
  out.push_back(static_cast<std::uint8_t>(packet.addresses.size()));
  put_u16(out, packet.max_advert_interval_cs);
  put_u16(out, 0);  // checksum, filled below
  for (std::uint32_t address : packet.addresses) put_u32(out, address);
  const std::uint16_t checksum = vrrp_checksum(out, pseudo);
  out[kChecksumOffset] = static_cast<std::uint8_t>(checksum >> 8);
  out[kChecksumOffset + 1] = static_cast<std::uint8_t>(checksum & 0xFF);
  return out;
}

std::variant<AdvertPacket, DecodeError> decode(const std::vector<std::uint8_t>& bytes,
                                               const std::optional<PseudoHeader>& pseudo) {
  if (bytes.size() < kAdvertHeaderSize) return DecodeError::short_packet;
  if ((bytes[0] >> 4) != kVrrpVersion) return DecodeError::wrong_version;
  if ((bytes[0] & 0x0F) != kAdvertisementType) return DecodeError::wrong_type;
  const std::size_t count = bytes[3];
  if (bytes.size() != kAdvertHeaderSize + 4 * count) return DecodeError::count_mismatch;
  if (vrrp_checksum(bytes, pseudo) != 0) return DecodeError::bad_checksum;
  AdvertPacket packet;
  packet.vrid = bytes[1];
  if (packet.vrid == 0) return DecodeError::zero_vrid;
  packet.priority = bytes[2];
  packet.max_advert_interval_cs = get_u16(bytes, 4) & kMaxAdvertIntervalCentiseconds;
  if (packet.max_advert_interval_cs == 0) return DecodeError::zero_interval;
  for (std::size_t i = 0; i < count; ++i) packet.addresses.push_back(get_u32(bytes, kAdvertHeaderSize + 4 * i));
  return packet;
}

}  // namespace wsfo::vrrp
