#include <gtest/gtest.h>

#include <vector>

#include "core/clients/ws_frame.hpp"

namespace wsfo::clients::ws {
namespace {

struct Recorder : FrameHandler {
  std::vector<std::string> messages;
  std::string current;
  std::vector<std::string> pings, pongs;
  std::vector<std::pair<std::uint16_t, std::string>> closes;
  void on_message_data(std::string_view data, bool last) override {
    current += data;
    if (last) messages.push_back(std::exchange(current, {}));
  }
  void on_ping(std::string_view p) override { pings.emplace_back(p); }
  void on_pong(std::string_view p) override { pongs.emplace_back(p); }
  void on_close(std::uint16_t code, std::string_view reason) override { closes.emplace_back(code, reason); }
};

// A server frame (unmasked).
std::string server_frame(std::uint8_t first_byte, std::string_view payload) {
  std::string out(1, static_cast<char>(first_byte));
  if (payload.size() < 126) {
    out += static_cast<char>(payload.size());
  } else if (payload.size() <= 0xffff) {
    out += static_cast<char>(126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((payload.size() >> shift) & 0xff);
  }
  return out + std::string(payload);
}

TEST(WsFrameWriter, MasksThePayloadAfterTheHeader) {
  std::string out;
  append_frame(out, Opcode::text, "Hi", 0x01020304);
  ASSERT_EQ(out.size(), 2u + 4u + 2u);
  EXPECT_EQ(static_cast<std::uint8_t>(out[0]), 0x81);  // FIN + text
  EXPECT_EQ(static_cast<std::uint8_t>(out[1]), 0x82);  // MASK + length 2
  EXPECT_EQ(out.substr(2, 4), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(out[6], 'H' ^ 0x01);
  EXPECT_EQ(out[7], 'i' ^ 0x02);
  std::string big;
  append_frame(big, Opcode::binary, std::string(300, 'x'), 0);
  EXPECT_EQ(static_cast<std::uint8_t>(big[1]), 0x80 | 126);
  EXPECT_EQ(big.size(), 2u + 2u + 4u + 300u);
  std::string close;
  append_close(close, 1000, "bye", 0);
  EXPECT_EQ(close.substr(6), std::string("\x03\xe8"
                                         "bye",
                                         5));
}

TEST(WsFrameParser, DeliversMessagesSplitAnywhere) {
  std::string stream = server_frame(0x81, "Welcome to the server!hangzhou") + server_frame(0x89, "p") +
                       server_frame(0x01, "frag") + server_frame(0x80, "mented") +
                       server_frame(0x82, std::string(70000, 'b')) + server_frame(0x88, "\x0f\xa1moved");
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{128}, stream.size()}) {
    FrameParser parser(1 << 20);
    Recorder r;
    for (std::size_t i = 0; i < stream.size(); i += chunk)
      ASSERT_TRUE(parser.feed(std::string_view(stream).substr(i, chunk), r)) << parser.error();
    ASSERT_EQ(r.messages.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(r.messages[0], "Welcome to the server!hangzhou");
    EXPECT_EQ(r.messages[1], "fragmented");
    EXPECT_EQ(r.messages[2].size(), 70000u);
    EXPECT_EQ(r.pings, std::vector<std::string>{"p"});
    ASSERT_EQ(r.closes.size(), 1u);
    EXPECT_EQ(r.closes[0].first, 4001);
    EXPECT_EQ(r.closes[0].second, "moved");
    EXPECT_TRUE(parser.closed());
  }
}

TEST(WsFrameParser, EmptyCloseMeans1005) {
  FrameParser parser(100);
  Recorder r;
  ASSERT_TRUE(parser.feed(server_frame(0x88, ""), r));
  ASSERT_EQ(r.closes.size(), 1u);
  EXPECT_EQ(r.closes[0].first, 1005);
}

struct Violation {
  std::string bytes;
  std::uint16_t code;
  std::string error;
};

class WsFrameViolation : public ::testing::TestWithParam<Violation> {};

TEST_P(WsFrameViolation, IsRejectedWithACloseCode) {
  FrameParser parser(1000);
  Recorder r;
  EXPECT_FALSE(parser.feed(GetParam().bytes, r));
  EXPECT_EQ(parser.close_code(), GetParam().code);
  EXPECT_EQ(parser.error(), GetParam().error);
  EXPECT_FALSE(parser.feed("more", r));  // stays failed
}

INSTANTIATE_TEST_SUITE_P(
    Table, WsFrameViolation,
    ::testing::Values(Violation{server_frame(0x81, std::string(1001, 'x')), kCloseTooBig,
                                "a message exceeded the limit of 1000 bytes"},
                      Violation{server_frame(0x01, std::string(600, 'x')) + server_frame(0x80, std::string(600, 'x')),
                                kCloseTooBig, "a message exceeded the limit of 1000 bytes"},
                      Violation{server_frame(0xC1, "x"), kCloseProtocolError,
                                "reserved bits set in a frame (no extension was negotiated)"},
                      Violation{server_frame(0x83, "x"), kCloseProtocolError, "unknown opcode 3"},
                      Violation{std::string("\x81\x81\x00\x00\x00\x00x", 7), kCloseProtocolError,
                                "the server masked a frame"},
                      Violation{std::string("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10), kCloseProtocolError,
                                "frame length has its most significant bit set"},
                      Violation{server_frame(0x09, "x"), kCloseProtocolError, "fragmented control frame"},
                      Violation{server_frame(0x89, std::string(126, 'x')), kCloseProtocolError,
                                "control frame longer than 125 bytes"},
                      Violation{server_frame(0x80, "x"), kCloseProtocolError, "continuation frame without a message"},
                      Violation{server_frame(0x01, "x") + server_frame(0x81, "y"), kCloseProtocolError,
                                "new message before the last one ended"},
                      Violation{server_frame(0x88, "x"), kCloseProtocolError, "close frame with a 1-byte payload"}));

}  // namespace
}  // namespace wsfo::clients::ws
