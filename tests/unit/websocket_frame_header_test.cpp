// The one RFC 6455 frame-header reader: each length form, the masking key,
// partial headers and every malformed case, under the rules of a client
// reading a server, a server reading a client and the relay reading both.
#include <gtest/gtest.h>

#include <vector>

#include "core/websocket/frame_header.hpp"

namespace wsfo::websocket {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr HeaderRules kFromServer{Sender::server, false};
constexpr HeaderRules kFromClient{Sender::client, false};
constexpr HeaderRules kRelay{Sender::either, true};

// A header as RFC 6455 §5.2 lays it out, with the shortest length form.
Bytes header(std::uint8_t first_byte, std::uint64_t length, std::optional<std::array<std::uint8_t, 4>> mask = {}) {
  Bytes out{first_byte};
  const std::uint8_t m = mask ? 0x80 : 0;
  if (length < 126) {
    out.push_back(static_cast<std::uint8_t>(m | length));
  } else if (length <= 0xffff) {
    out.push_back(m | 126);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(m | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(length >> shift));
  }
  if (mask) out.insert(out.end(), mask->begin(), mask->end());
  return out;
}

FrameHeader parsed(const Bytes& bytes, const HeaderRules& rules) {
  const auto result = parse_header(bytes, rules);
  if (const auto* bad = std::get_if<MalformedHeader>(&result)) ADD_FAILURE() << bad->message();
  if (std::holds_alternative<NeedMore>(result)) ADD_FAILURE() << "incomplete";
  return std::holds_alternative<FrameHeader>(result) ? std::get<FrameHeader>(result) : FrameHeader{};
}

TEST(FrameHeader, ReadsEachLengthForm) {
  struct Case {
    std::uint64_t length;
    std::size_t size;
  };
  for (const Case c : {Case{0, 2}, Case{125, 2}, Case{126, 4}, Case{0xffff, 4}, Case{0x10000, 10},
                       Case{(std::uint64_t{1} << 63) - 1, 10}}) {
    SCOPED_TRACE(c.length);
    const FrameHeader h = parsed(header(0x82, c.length), kFromServer);
    EXPECT_EQ(h.payload_length, c.length);
    EXPECT_EQ(h.size, c.size);
    EXPECT_TRUE(h.fin);
    EXPECT_EQ(h.opcode, static_cast<std::uint8_t>(Opcode::binary));
    EXPECT_FALSE(h.masked);
  }
}

TEST(FrameHeader, ReadsTheMaskingKeyAfterEachLengthForm) {
  const std::array<std::uint8_t, 4> key{0xde, 0xad, 0xbe, 0xef};
  for (std::uint64_t length : {std::uint64_t{5}, std::uint64_t{300}, std::uint64_t{70000}}) {
    SCOPED_TRACE(length);
    const FrameHeader h = parsed(header(0x01, length, key), kFromClient);
    EXPECT_TRUE(h.masked);
    EXPECT_EQ(h.mask_key, key);
    EXPECT_EQ(h.payload_length, length);
    EXPECT_EQ(h.size, (length < 126 ? 2u : length <= 0xffff ? 4u : 10u) + 4u);
    EXPECT_FALSE(h.fin);
    EXPECT_EQ(h.opcode, static_cast<std::uint8_t>(Opcode::text));
  }
}

TEST(FrameHeader, ExtraBytesAfterTheHeaderAreNotItsConcern) {
  Bytes bytes = header(0x81, 3);
  bytes.insert(bytes.end(), {'a', 'b', 'c'});
  const FrameHeader h = parsed(bytes, kFromServer);
  EXPECT_EQ(h.size, 2u);
  EXPECT_EQ(h.payload_length, 3u);
}

TEST(FrameHeader, APartialHeaderSaysHowMuchItNeeds) {
  const Bytes full = header(0x82, 70000, std::array<std::uint8_t, 4>{1, 2, 3, 4});
  ASSERT_EQ(full.size(), 14u);
  EXPECT_EQ(parse_header({}, kRelay), HeaderParse(NeedMore{2}));
  EXPECT_EQ(parse_header(std::span(full).first(1), kRelay), HeaderParse(NeedMore{2}));
  for (std::size_t have = 2; have < full.size(); ++have)
    EXPECT_EQ(parse_header(std::span(full).first(have), kRelay), HeaderParse(NeedMore{14})) << have;
  const Bytes medium = header(0x82, 300);
  EXPECT_EQ(parse_header(std::span(medium).first(3), kRelay), HeaderParse(NeedMore{4}));
}

TEST(FrameHeader, ReservedBitsPassOnlyWhereAllowed) {
  const Bytes deflated = header(0xc1, 10);  // FIN, RSV1 (permessage-deflate), text
  EXPECT_EQ(parsed(deflated, kRelay).reserved, 0x40);
  EXPECT_EQ(parse_header(deflated, kFromServer), HeaderParse(MalformedHeader{MalformedHeader::Kind::reserved_bits, 1}));
}

TEST(FrameHeader, TheRelayTakesMaskedAndUnmaskedFrames) {
  EXPECT_FALSE(parsed(header(0x81, 1), kRelay).masked);
  EXPECT_TRUE(parsed(header(0x81, 1, std::array<std::uint8_t, 4>{}), kRelay).masked);
}

struct Malformed {
  const char* name;
  Bytes bytes;
  HeaderRules rules;
  MalformedHeader::Kind kind;
  std::string message;
};

void PrintTo(const Malformed& malformed, std::ostream* os) { *os << malformed.name; }

class FrameHeaderMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(FrameHeaderMalformed, IsRejectedWithItsOwnReason) {
  const auto result = parse_header(GetParam().bytes, GetParam().rules);
  ASSERT_TRUE(std::holds_alternative<MalformedHeader>(result));
  const auto& malformed = std::get<MalformedHeader>(result);
  EXPECT_EQ(malformed.kind, GetParam().kind);
  EXPECT_EQ(malformed.message(), GetParam().message);
}

Bytes msb_length() {
  Bytes bytes = header(0x82, 0x10000);
  bytes[2] = 0x80;
  return bytes;
}

// Judged from the first two bytes, before the extended length is in.
Bytes first_two(Bytes bytes) { return {bytes[0], bytes[1]}; }

using Kind = MalformedHeader::Kind;
INSTANTIATE_TEST_SUITE_P(
    Table, FrameHeaderMalformed,
    ::testing::Values(
        Malformed{"rsv1", header(0xc1, 1), kFromServer, Kind::reserved_bits,
                  "reserved bits set in a frame (no extension was negotiated)"},
        Malformed{"rsv3", first_two(header(0x92, 300)), kFromClient, Kind::reserved_bits,
                  "reserved bits set in a frame (no extension was negotiated)"},
        Malformed{"opcode3", header(0x83, 1), kFromServer, Kind::unknown_opcode, "unknown opcode 3"},
        Malformed{"opcode11", first_two(header(0x8b, 70000)), kRelay, Kind::unknown_opcode, "unknown opcode 11"},
        Malformed{"masked", header(0x81, 1, std::array<std::uint8_t, 4>{}), kFromServer, Kind::masked_by_server,
                  "the server masked a frame"},
        Malformed{"unmasked", header(0x81, 1), kFromClient, Kind::unmasked_by_client,
                  "the client sent an unmasked frame"},
        Malformed{"msb", msb_length(), kRelay, Kind::length_msb_set, "frame length has its most significant bit set"},
        Malformed{"fragmented_ping", header(0x09, 1), kRelay, Kind::fragmented_control, "fragmented control frame"},
        Malformed{"fragmented_close", header(0x08, 2), kFromServer, Kind::fragmented_control,
                  "fragmented control frame"},
        Malformed{"long_pong", header(0x8a, 126), kRelay, Kind::control_too_long,
                  "control frame longer than 125 bytes"},
        Malformed{"long_close", header(0x88, 70000), kFromServer, Kind::control_too_long,
                  "control frame longer than 125 bytes"}),
    [](const ::testing::TestParamInfo<Malformed>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace wsfo::websocket
