#pragma once
// The client side of RFC 6455 framing, sans-I/O. The fleet frames its own
// connections instead of keeping a Beast websocket::stream per client: the
// stream costs about 2.8 KiB per open connection (its 1536-byte read buffer
// among the rest), more than the whole budget of 4 KiB per idle client.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/websocket/frame_header.hpp"

namespace wsfo::clients::ws {

using websocket::Opcode;

inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseTooBig = 1009;

// Appends one final, masked client frame (RFC 6455 §5.3: clients mask).
void append_frame(std::string& out, Opcode opcode, std::string_view payload, std::uint32_t mask_key);
// A close frame: a 2-byte code and a reason of at most 123 bytes (cut).
void append_close(std::string& out, std::uint16_t code, std::string_view reason, std::uint32_t mask_key);

// What the parser found; called as the bytes arrive.
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  // A piece of a text or binary message; `last` on its final piece.
  virtual void on_message_data(std::string_view data, bool last) = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong(std::string_view payload) = 0;
  // code 1005 when the close frame carried none.
  virtual void on_close(std::uint16_t code, std::string_view reason) = 0;
};

// Incremental parser of the frames a server sends. Small by design: a few
// bytes of state plus a control payload while a control frame arrives.
class FrameParser {
 public:
  explicit FrameParser(std::uint64_t max_message_bytes) : max_message_(max_message_bytes) {}

  // Feeds bytes; false on the first violation, then error() and
  // close_code() say what and which close code to answer with. After a close
  // frame, further bytes are ignored.
  bool feed(std::string_view bytes, FrameHandler& handler);

  const std::string& error() const { return error_; }
  std::uint16_t close_code() const { return close_code_; }
  bool closed() const { return closed_; }
  void reset();

 private:
  bool fail(std::uint16_t code, std::string why);
  bool header_complete(FrameHandler& handler);
  void deliver(std::string_view data, FrameHandler& handler);
  bool finish_control(FrameHandler& handler);

  std::uint64_t max_message_;
  std::uint64_t remaining_ = 0;      // payload bytes of the current frame still to come
  std::uint64_t message_bytes_ = 0;  // bytes of the current message so far
  std::uint8_t header_[websocket::kMaxHeaderSize] = {};
  std::uint8_t header_have_ = 0;
  std::uint8_t header_need_ = 2;
  Opcode opcode_ = Opcode::continuation;
  bool in_payload_ = false;
  bool fin_ = false;
  bool in_message_ = false;  // a fragmented message is under way
  bool closed_ = false;
  std::uint16_t close_code_ = 0;
  std::string control_;  // payload of the control frame being read (<= 125 bytes)
  std::string error_;
};

}  // namespace wsfo::clients::ws
