#pragma once
// The VRRP advertisement datagram in RFC 5798 §5.1's layout, IPv4 flavour:
//
//   byte 0     version (4 bits, 3) | type (4 bits, 1 = ADVERTISEMENT)
//   byte 1     virtual router id
//   byte 2     priority
//   byte 3     count of IPv4 addresses
//   bytes 4-5  reserved (4 bits, 0) | max advert interval (12 bits, centiseconds)
//   bytes 6-7  checksum
//   bytes 8..  the IPv4 addresses, 4 bytes each, network order
//
// Just bytes: no sockets. The checksum covers the message and, when given,
// RFC 5798's IPv4 pseudo-header (source, destination, protocol 112, length).
// The emulation carries adverts over UDP between node addresses, where no IP
// layer builds that pseudo-header, so both sides may leave it out.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wsfo::vrrp {

constexpr std::uint8_t kVrrpVersion = 3;
constexpr std::uint8_t kAdvertisementType = 1;
constexpr std::uint8_t kVrrpProtocolNumber = 112;
constexpr std::size_t kAdvertHeaderSize = 8;
constexpr std::uint16_t kMaxAdvertIntervalCentiseconds = 0x0FFF;

struct AdvertPacket {
  std::uint8_t vrid = 0;
  std::uint8_t priority = 0;
  std::uint16_t max_advert_interval_cs = 100;  // 12 bits
  std::vector<std::uint32_t> addresses;        // host order

  bool operator==(const AdvertPacket&) const = default;
};

struct PseudoHeader {  // the IPv4 header fields RFC 5798's checksum covers
  std::uint32_t source = 0;
  std::uint32_t destination = 0;
};

enum class DecodeError {
  short_packet,    // fewer bytes than the fixed header
  wrong_version,   // version nibble is not 3
  wrong_type,      // type nibble is not 1 (ADVERTISEMENT)
  zero_vrid,       // virtual router id 0 is not allowed
  count_mismatch,  // length differs from 8 + 4 * count
  zero_interval,   // max advert interval 0 would make every timer fire at once
  bad_checksum,
};
const char* to_string(DecodeError error);

// Throws std::invalid_argument when the packet cannot be represented: an
// interval above 4095 cs or more than 255 addresses (caller bugs, not input).
std::vector<std::uint8_t> encode(const AdvertPacket& packet, const std::optional<PseudoHeader>& pseudo = std::nullopt);

std::variant<AdvertPacket, DecodeError> decode(const std::vector<std::uint8_t>& bytes,
                                               const std::optional<PseudoHeader>& pseudo = std::nullopt);

// The Internet checksum (RFC 1071) of the message, with the pseudo-header if
// given; 0 when computed over a message carrying a correct checksum.
std::uint16_t vrrp_checksum(const std::vector<std::uint8_t>& bytes, const std::optional<PseudoHeader>& pseudo);

}  // namespace wsfo::vrrp
