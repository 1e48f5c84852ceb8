#include <gtest/gtest.h>

#include <vector>

#include "core/gateway/frame_tracker.hpp"

namespace wsfo::gateway {
namespace {

std::vector<std::uint8_t> frame(std::uint8_t opcode, std::size_t payload_size,
                                std::optional<std::array<std::uint8_t, 4>> mask = std::nullopt) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(0x80 | opcode)};
  std::uint8_t m = mask ? 0x80 : 0;
  if (payload_size < 126) {
    out.push_back(static_cast<std::uint8_t>(m | payload_size));
  } else if (payload_size < 65536) {
    out.push_back(m | 126);
    out.push_back(static_cast<std::uint8_t>(payload_size >> 8));
    out.push_back(static_cast<std::uint8_t>(payload_size));
  } else {
    out.push_back(m | 127);
    for (int k = 7; k >= 0; --k) out.push_back(static_cast<std::uint8_t>(payload_size >> (8 * k)));
  }
  if (mask) out.insert(out.end(), mask->begin(), mask->end());
  for (std::size_t i = 0; i < payload_size; ++i) out.push_back(static_cast<std::uint8_t>('a' + i % 26));
  return out;
}

TEST(FrameTracker, FindsFrameEndsWhateverTheChunking) {
  std::array<std::uint8_t, 4> mask{1, 2, 3, 4};
  std::vector<std::vector<std::uint8_t>> frames = {frame(1, 0),     frame(1, 5),      frame(2, 125, mask),
                                                   frame(1, 126),   frame(2, 70000),  frame(9, 3, mask),
                                                   frame(0, 65535), frame(1, 1, mask)};
  std::vector<std::uint8_t> stream;
  std::vector<std::size_t> ends;
  for (const auto& f : frames) {
    stream.insert(stream.end(), f.begin(), f.end());
    ends.push_back(stream.size());
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{4096}, stream.size()}) {
    SCOPED_TRACE(chunk);
    FrameTracker tracker;
    std::vector<std::size_t> found;
    std::size_t position = 0;
    while (position < stream.size()) {
      std::size_t size = std::min(chunk, stream.size() - position);
      std::size_t used = tracker.consume(stream.data() + position, size, true);
      position += used;
      if (tracker.at_boundary())
        found.push_back(position);
      else
        EXPECT_EQ(used, size);
    }
    EXPECT_EQ(found, ends);
  }
}

TEST(FrameTracker, WithoutStoppingFollowsEverything) {
  auto a = frame(1, 10), b = frame(1, 300);
  a.insert(a.end(), b.begin(), b.end());
  FrameTracker tracker;
  EXPECT_EQ(tracker.consume(a.data(), a.size()), a.size());
  EXPECT_TRUE(tracker.at_boundary());
  EXPECT_EQ(tracker.consume(a.data(), 5), 5u);
  EXPECT_FALSE(tracker.at_boundary());
}

TEST(FrameTracker, ReadsTheCloseCodeOfMaskedAndUnmaskedCloses) {
  for (bool masked : {false, true}) {
    std::array<std::uint8_t, kMaxCloseFrameSize> out{};
    std::optional<std::array<std::uint8_t, 4>> mask;
    if (masked) mask = std::array<std::uint8_t, 4>{0xde, 0xad, 0xbe, 0xef};
    std::size_t size = encode_close_frame(out, 4001, "moved from unbj to center by rules v2", mask);
    EXPECT_EQ(size, 2 + (masked ? 4u : 0u) + 2 + 37);
    FrameTracker tracker;
    auto text = frame(1, 3);
    tracker.consume(text.data(), text.size());
    EXPECT_FALSE(tracker.close_seen());
    for (std::size_t i = 0; i < size; ++i) tracker.consume(out.data() + i, 1);  // byte by byte
    EXPECT_TRUE(tracker.close_seen());
    EXPECT_EQ(tracker.close_code(), 4001);
    EXPECT_TRUE(tracker.at_boundary());
  }
}

TEST(FrameTracker, FollowsFramesWithReservedBitsAsExtensionsUseThem) {
  auto deflated = frame(1, 20);
  deflated[0] |= 0x40;  // RSV1: permessage-deflate, negotiated between the two ends
  FrameTracker tracker;
  EXPECT_EQ(tracker.consume(deflated.data(), deflated.size(), true), deflated.size());
  EXPECT_TRUE(tracker.at_boundary());
  EXPECT_FALSE(tracker.malformed());
}

TEST(FrameTracker, AfterAMalformedHeaderNoBoundaryIsTrusted) {
  auto text = frame(1, 3), too_long_ping = frame(9, 126), close = frame(8, 2);
  std::vector<std::uint8_t> stream = text;
  stream.insert(stream.end(), too_long_ping.begin(), too_long_ping.end());
  stream.insert(stream.end(), close.begin(), close.end());
  FrameTracker tracker;
  EXPECT_EQ(tracker.consume(stream.data(), stream.size(), true), text.size());
  EXPECT_TRUE(tracker.at_boundary());
  // Everything after is followed as it comes, without stopping.
  EXPECT_EQ(tracker.consume(stream.data() + text.size(), stream.size() - text.size(), true),
            stream.size() - text.size());
  ASSERT_TRUE(tracker.malformed());
  EXPECT_EQ(tracker.malformed()->kind, websocket::MalformedHeader::Kind::control_too_long);
  EXPECT_FALSE(tracker.at_boundary());
  EXPECT_FALSE(tracker.close_seen());
  EXPECT_EQ(tracker.consume(close.data(), close.size(), true), close.size());
  EXPECT_FALSE(tracker.at_boundary());
}

TEST(FrameTracker, CloseFramesCutLongReasons) {
  std::array<std::uint8_t, kMaxCloseFrameSize> out{};
  std::size_t size = encode_close_frame(out, 1001, std::string(300, 'x'), std::nullopt);
  EXPECT_EQ(size, 2u + 125u);
  EXPECT_EQ(out[1], 125);
}

}  // namespace
}  // namespace wsfo::gateway
