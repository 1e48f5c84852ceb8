// VRRP advert datagrams: RFC 5798 layout, round trip, and a table of
// malformed packets each rejected with its specific reason.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/vrrp/advert_conversion.hpp"
#include "core/vrrp/advert_packet.hpp"
#include "core/vrrp/ipv4_address.hpp"

namespace wsfo::vrrp {
namespace {

AdvertPacket sample() {
  AdvertPacket packet;
  packet.vrid = 51;
  packet.priority = 100;
  packet.max_advert_interval_cs = 100;
  packet.addresses = {*parse_ipv4("127.0.10.1"), *parse_ipv4("127.0.10.2")};
  return packet;
}

TEST(VrrpAdvertPacket, EncodesTheRfc5798Layout) {
  const auto bytes = encode(sample());
  ASSERT_EQ(bytes.size(), 16u);
  EXPECT_EQ(bytes[0], 0x31);  // version 3, type 1
  EXPECT_EQ(bytes[1], 51);
  EXPECT_EQ(bytes[2], 100);
  EXPECT_EQ(bytes[3], 2);
  EXPECT_EQ(bytes[4], 0x00);  // reserved nibble 0, interval high bits
  EXPECT_EQ(bytes[5], 100);   // 100 cs = 1 s
  EXPECT_EQ(bytes[8], 127);
  EXPECT_EQ(bytes[11], 1);
  EXPECT_EQ(bytes[15], 2);
  EXPECT_EQ(vrrp_checksum(bytes, std::nullopt), 0);
}

TEST(VrrpAdvertPacket, ChecksumMatchesAHandComputedValue) {
  // words 0x3101 + 0x0100 (priority 1, count 0) + 0x0064 + 0x0000 = 0x3265, complemented: 0xCD9A
  AdvertPacket packet;
  packet.vrid = 1;
  packet.priority = 1;
  packet.max_advert_interval_cs = 100;
  const auto bytes = encode(packet);
  EXPECT_EQ(bytes[6], 0xCD);
  EXPECT_EQ(bytes[7], 0x9A);
}

TEST(VrrpAdvertPacket, RoundTrips) {
  for (const std::uint16_t interval : {std::uint16_t{1}, std::uint16_t{100}, std::uint16_t{4095}}) {
    AdvertPacket packet = sample();
    packet.max_advert_interval_cs = interval;
    packet.priority = 0;
    const auto decoded = decode(encode(packet));
    ASSERT_TRUE(std::holds_alternative<AdvertPacket>(decoded)) << interval;
    EXPECT_EQ(std::get<AdvertPacket>(decoded), packet);
  }
  AdvertPacket empty = sample();
  empty.addresses.clear();
  EXPECT_EQ(std::get<AdvertPacket>(decode(encode(empty))), empty);
}

TEST(VrrpAdvertPacket, PseudoHeaderIsPartOfTheChecksum) {
  const PseudoHeader pseudo{*parse_ipv4("127.0.1.1"), *parse_ipv4("224.0.0.18")};
  const auto bytes = encode(sample(), pseudo);
  EXPECT_EQ(std::get<AdvertPacket>(decode(bytes, pseudo)), sample());
  EXPECT_EQ(std::get<DecodeError>(decode(bytes)), DecodeError::bad_checksum);
  const PseudoHeader other{*parse_ipv4("127.0.1.2"), *parse_ipv4("224.0.0.18")};
  EXPECT_EQ(std::get<DecodeError>(decode(bytes, other)), DecodeError::bad_checksum);
}

TEST(VrrpAdvertPacket, EncodeRefusesUnrepresentablePackets) {
  AdvertPacket packet = sample();
  packet.max_advert_interval_cs = 4096;
  EXPECT_THROW(encode(packet), std::invalid_argument);
  packet = sample();
  packet.addresses.assign(256, 1);
  EXPECT_THROW(encode(packet), std::invalid_argument);
}

// Re-computes the checksum after a mutation so that only the intended defect remains.
std::vector<std::uint8_t> resealed(std::vector<std::uint8_t> bytes) {
  bytes[6] = bytes[7] = 0;
  const std::uint16_t checksum = vrrp_checksum(bytes, std::nullopt);
  bytes[6] = static_cast<std::uint8_t>(checksum >> 8);
  bytes[7] = static_cast<std::uint8_t>(checksum & 0xFF);
  return bytes;
}

struct Malformed {
  std::string name;
  std::vector<std::uint8_t> bytes;
  DecodeError expected;
};

TEST(VrrpAdvertPacket, RejectsMalformedPacketsWithTheirReason) {
  const auto good = encode(sample());
  auto v2 = good;
  v2[0] = 0x21;
  auto type2 = good;
  type2[0] = 0x32;
  auto flipped = good;
  flipped[9] ^= 0x40;
  auto extra_byte = good;
  extra_byte.push_back(0);
  const std::vector<std::uint8_t> truncated_address(good.begin(), good.end() - 1);
  auto count_too_high = good;
  count_too_high[3] = 3;
  auto zero_vrid = good;
  zero_vrid[1] = 0;
  auto zero_interval = good;
  zero_interval[5] = 0;
  const std::vector<Malformed> table = {
      {"empty", {}, DecodeError::short_packet},
      {"seven bytes", std::vector<std::uint8_t>(good.begin(), good.begin() + 7), DecodeError::short_packet},
      {"version 2", resealed(v2), DecodeError::wrong_version},
      {"type 2", resealed(type2), DecodeError::wrong_type},
      {"flipped bit", flipped, DecodeError::bad_checksum},
      {"extra byte", resealed(extra_byte), DecodeError::count_mismatch},
      {"truncated address", truncated_address, DecodeError::count_mismatch},
      {"count too high", resealed(count_too_high), DecodeError::count_mismatch},
      {"vrid 0", resealed(zero_vrid), DecodeError::zero_vrid},
      {"interval 0", resealed(zero_interval), DecodeError::zero_interval},
  };
  for (const auto& bad : table) {
    const auto decoded = decode(bad.bytes);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(decoded)) << bad.name;
    EXPECT_EQ(std::get<DecodeError>(decoded), bad.expected)
        << bad.name << ": got " << to_string(std::get<DecodeError>(decoded));
  }
}

TEST(VrrpIpv4Address, ParsesStrictlyAndComparesNumerically) {
  EXPECT_EQ(parse_ipv4("10.0.0.9"), 0x0A000009u);
  EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xFFFFFFFFu);
  EXPECT_GT(*parse_ipv4("10.0.0.10"), *parse_ipv4("10.0.0.9"));  // not a string comparison
  EXPECT_EQ(format_ipv4(0x7F000A01u), "127.0.10.1");
  for (const char* bad : {"", "10.0.0", "10.0.0.0.1", "256.0.0.1", "10.0.0.01", "10..0.1", " 10.0.0.1", "10.0.0.1 ",
                          "+1.0.0.1", "a.b.c.d", "10.0.0.1."}) {
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  }
}

TEST(VrrpAdvertConversion, CarriesPriorityAndIntervalBetweenWireAndStateMachine) {
  const auto packet = to_packet(51, SendAdvert{0, std::chrono::milliseconds(1500)}, {*parse_ipv4("127.0.10.1")});
  EXPECT_EQ(packet.vrid, 51);
  EXPECT_EQ(packet.priority, 0);
  EXPECT_EQ(packet.max_advert_interval_cs, 150);
  const auto decoded = std::get<AdvertPacket>(decode(encode(packet)));
  const Advert advert = to_advert(decoded, *parse_ipv4("127.0.1.1"));
  EXPECT_EQ(advert.priority, 0);
  EXPECT_EQ(advert.interval, std::chrono::milliseconds(1500));
  EXPECT_EQ(advert.source, *parse_ipv4("127.0.1.1"));
  EXPECT_THROW(to_packet(0, SendAdvert{100, std::chrono::seconds(1)}, {}), std::invalid_argument);
  EXPECT_THROW(to_packet(1, SendAdvert{256, std::chrono::seconds(1)}, {}), std::invalid_argument);
  EXPECT_THROW(to_packet(1, SendAdvert{100, std::chrono::milliseconds(1005)}, {}), std::invalid_argument);
  EXPECT_THROW(to_packet(1, SendAdvert{100, std::chrono::seconds(41)}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace wsfo::vrrp
