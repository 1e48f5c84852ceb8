// core/gateway/frame_rules: the RFC 6455 verdicts the relay acts on, and the
// frame tracker stopping in front of the first frame that breaks them.
#include <gtest/gtest.h>

#include <vector>

#include "core/gateway/frame_rules.hpp"
#include "core/gateway/frame_tracker.hpp"

namespace wsfo::gateway {
namespace {

using websocket::FrameHeader;

constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kRsv1 = 0x40;

FrameHeader header(std::uint8_t first_byte, std::uint64_t length, bool masked = true) {
  FrameHeader h;
  h.fin = first_byte & kFin;
  h.reserved = first_byte & 0x70;
  h.opcode = first_byte & 0x0f;
  h.masked = masked;
  h.payload_length = length;
  return h;
}

// A client frame's bytes: masked (unless told), payload 'x'.
std::vector<std::uint8_t> bytes(std::uint8_t first_byte, std::size_t length, bool masked = true) {
  std::vector<std::uint8_t> out{first_byte};
  const std::uint8_t m = masked ? 0x80 : 0;
  if (length < 126) {
    out.push_back(static_cast<std::uint8_t>(m | length));
  } else {
    out.push_back(m | 126);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  }
  // One byte at a time: GCC 12 at -O2 misjudges a grown vector's size for a range insert (-Wstringop-overflow).
  if (masked)
    for (std::uint8_t key : {1, 2, 3, 4}) out.push_back(key);
  out.resize(out.size() + length, 'x');
  return out;
}

FrameRules client_rules(std::uint64_t max = 1000, NegotiatedExtensions ext = {}) {
  return FrameRules(client_frame_policy(ext, max));
}

TEST(FrameRules, ReadsTheNegotiatedExtensions) {
  EXPECT_FALSE(parse_negotiated_extensions("").permessage_deflate);
  auto deflate = parse_negotiated_extensions(" Permessage-Deflate; client_max_window_bits=15 ");
  EXPECT_TRUE(deflate.permessage_deflate);
  EXPECT_FALSE(deflate.other);
  auto both = parse_negotiated_extensions("permessage-deflate, x-webkit-other; a=1");
  EXPECT_TRUE(both.permessage_deflate);
  EXPECT_TRUE(both.other);
  EXPECT_FALSE(parse_negotiated_extensions(" , ;").other);
}

TEST(FrameRules, AcceptsWellFormedClientTraffic) {
  FrameRules rules = client_rules();
  EXPECT_EQ(rules.check(header(kFin | 1, 1000)), std::nullopt);
  EXPECT_EQ(rules.check(header(0x01, 400)), std::nullopt);  // fragmented text
  EXPECT_EQ(rules.check(header(kFin | 9, 125)), std::nullopt);  // a ping between fragments
  EXPECT_EQ(rules.check(header(0x00, 400)), std::nullopt);
  EXPECT_EQ(rules.check(header(kFin | 0x00, 200)), std::nullopt);  // 1000 bytes in all: at the limit
  EXPECT_EQ(rules.check(header(kFin | 2, 0)), std::nullopt);
}

TEST(FrameRules, FragmentsCountTowardTheMessageLimit) {
  FrameRules rules = client_rules();
  EXPECT_EQ(rules.check(header(0x02, 600)), std::nullopt);
  EXPECT_EQ(rules.check(header(kFin | 10, 0)), std::nullopt);  // control frames do not count
  auto verdict = rules.check(header(kFin | 0x00, 401));
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->code, 1009);
  EXPECT_EQ(verdict->reason, "message over 1000 bytes");
  EXPECT_EQ(client_rules().check(header(kFin | 1, 1001))->code, 1009);
  EXPECT_EQ(client_rules().check(header(kFin | 1, std::uint64_t{1} << 62))->code, 1009);
  EXPECT_EQ(client_rules(0).check(header(kFin | 1, std::uint64_t{1} << 62)), std::nullopt);  // 0: no limit
}

TEST(FrameRules, ProtocolErrorsCloseWith1002) {
  struct Case {
    std::vector<FrameHeader> before;
    FrameHeader bad;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {{}, header(kFin | 1, 5, false), "unmasked frame from the client"},
      {{}, header(kFin | kRsv1 | 1, 5), "reserved bit RSV1 set without a negotiated extension"},
      {{}, header(kFin | 0x30 | 1, 5), "reserved bit RSV2+RSV3 set without a negotiated extension"},
      {{}, header(kFin | 0, 5), "continuation frame with no message started"},
      {{header(0x01, 5)}, header(kFin | 2, 5), "new data frame while a fragmented message is unfinished"},
      {{header(kFin | 1, 5)}, header(0x00, 5), "continuation frame with no message started"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reason);
    FrameRules rules = client_rules();
    for (const auto& h : c.before) ASSERT_EQ(rules.check(h), std::nullopt);
    EXPECT_EQ(rules.check(c.bad), (FrameViolation{1002, c.reason}));
  }
  using Kind = websocket::MalformedHeader::Kind;
  EXPECT_EQ(client_rules().check(websocket::MalformedHeader{Kind::unknown_opcode, 3}),
            (FrameViolation{1002, "unknown opcode 3"}));
}

TEST(FrameRules, Rsv1OnlyOnTheFirstFrameOfACompressedMessage) {
  FrameRules rules = client_rules(1000, parse_negotiated_extensions("permessage-deflate"));
  EXPECT_EQ(rules.check(header(kRsv1 | 1, 10)), std::nullopt);
  EXPECT_EQ(rules.check(header(kFin | kRsv1 | 0, 10))->reason, "RSV1 set on a continuation frame");
  FrameRules control = client_rules(1000, parse_negotiated_extensions("permessage-deflate"));
  EXPECT_EQ(control.check(header(kFin | kRsv1 | 9, 0))->reason, "RSV1 set on a control frame");
  FrameRules rsv2 = client_rules(1000, parse_negotiated_extensions("permessage-deflate"));
  EXPECT_EQ(rsv2.check(header(kFin | 0x20 | 1, 0))->code, 1002);
  // An extension the gateway does not know may use any reserved bit.
  FrameRules unknown = client_rules(1000, parse_negotiated_extensions("x-custom"));
  EXPECT_EQ(unknown.check(header(kFin | 0x70 | 1, 0)), std::nullopt);
}

TEST(FrameRules, ServerFramesMustNotBeMaskedAndHaveNoSizeLimit) {
  FrameRules rules(server_frame_policy({}));
  EXPECT_EQ(rules.check(header(kFin | 1, std::uint64_t{1} << 40, false)), std::nullopt);
  EXPECT_EQ(rules.check(header(kFin | 1, 5, true))->reason, "masked frame from the server");
  EXPECT_EQ(FrameRules().check(header(kFin | 0x70 | 0, 5, false)), std::nullopt);  // no policy: no verdict
}

TEST(FrameTrackerRules, StopsInFrontOfTheOffendingFrameWhateverTheChunking) {
  std::vector<std::uint8_t> stream = bytes(kFin | 1, 10);
  const std::size_t good = stream.size();
  for (auto b : bytes(kFin | 1, 300)) stream.push_back(b);  // over the 200-byte limit
  for (auto b : bytes(kFin | 8, 2)) stream.push_back(b);   // the client's close, followed after
  constexpr std::size_t kBadHeader = 2 + 2 + 4;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, kBadHeader, good, stream.size()}) {
    SCOPED_TRACE(chunk);
    FrameTracker tracker(client_frame_policy({}, 200));
    std::size_t position = 0;
    std::optional<std::size_t> stopped;
    while (position < stream.size()) {
      const std::size_t size = std::min(chunk, stream.size() - position);
      const std::size_t used = tracker.consume(stream.data() + position, size, true);
      if (tracker.violation() && !stopped) {
        stopped = position + used;
        EXPECT_EQ(tracker.violation()->code, 1009);
        // A header cut by the chunking was partly followed already.
        EXPECT_EQ(tracker.violation_split(), stopped != good);
        EXPECT_EQ(tracker.at_boundary(), !tracker.violation_split());
      }
      position += used;
    }
    ASSERT_TRUE(stopped);
    EXPECT_LT(*stopped - good, kBadHeader);
    EXPECT_EQ(*stopped == good, chunk >= kBadHeader);
    EXPECT_TRUE(tracker.close_seen()) << "the rest is followed without judging";
    EXPECT_TRUE(tracker.at_boundary());
  }
}

TEST(FrameTrackerRules, AnUnknownOpcodeIsAViolationBeforeItIsMalformed) {
  std::vector<std::uint8_t> stream = bytes(kFin | 2, 4);
  const std::size_t good = stream.size();
  for (auto b : bytes(kFin | 3, 4)) stream.push_back(b);
  FrameTracker tracker(client_frame_policy({}, 0));
  EXPECT_EQ(tracker.consume(stream.data(), stream.size()), good);
  ASSERT_TRUE(tracker.violation());
  EXPECT_EQ(*tracker.violation(), (FrameViolation{1002, "unknown opcode 3"}));
  EXPECT_FALSE(tracker.malformed());
  EXPECT_EQ(tracker.consume(stream.data() + good, stream.size() - good), stream.size() - good);
  EXPECT_TRUE(tracker.malformed());
}

TEST(FrameTrackerRules, StopJudgingLetsEverythingThrough) {
  auto unmasked = bytes(kFin | 1, 5, false);
  FrameTracker tracker(client_frame_policy({}, 0));
  tracker.stop_judging();
  EXPECT_EQ(tracker.consume(unmasked.data(), unmasked.size()), unmasked.size());
  EXPECT_FALSE(tracker.violation());
}

}  // namespace
}  // namespace wsfo::gateway
