#pragma once
// Follows the WebSocket frame structure (RFC 6455 §5.2) of a byte stream the
// gateway relays without decoding payloads: it reads frame headers only, so
// the relay knows where frames end (to inject a close frame at a frame
// boundary) and which close code a peer sent.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/websocket/close_frame.hpp"
#include "core/websocket/frame_header.hpp"

namespace wsfo::gateway {

class FrameTracker {
 public:
  // Follows up to `size` bytes. With `stop_at_frame_end`, stops right after
  // the first frame that ends in them. Returns how many bytes it followed.
  std::size_t consume(const std::uint8_t* data, std::size_t size, bool stop_at_frame_end = false);

  // Between two frames: a close frame may be inserted here.
  bool at_boundary() const { return state_ == State::header && header_size_ == 0; }
  // A close frame started in this stream, and its status code once read.
  bool close_seen() const { return close_seen_; }
  std::optional<std::uint16_t> close_code() const { return close_code_; }
  // The first malformed header met. From there on the stream's frame
  // boundaries cannot be known: every byte is followed as payload, no
  // boundary is reported again and no close frame is looked for.
  const std::optional<websocket::MalformedHeader>& malformed() const { return malformed_; }

 private:
  enum class State { header, payload };
  bool header_complete();
  void frame_end();
  void capture_close_code(const std::uint8_t* data, std::size_t size);

  State state_ = State::header;
  std::array<std::uint8_t, websocket::kMaxHeaderSize> header_{};
  std::size_t header_size_ = 0;
  std::size_t header_needed_ = 2;
  std::uint64_t payload_left_ = 0;
  std::uint64_t payload_offset_ = 0;
  std::uint8_t opcode_ = 0;
  bool masked_ = false;
  std::array<std::uint8_t, 4> mask_{};
  std::array<std::uint8_t, 2> close_payload_{};
  bool close_seen_ = false;
  bool in_close_frame_ = false;
  std::optional<std::uint16_t> close_code_;
  std::optional<websocket::MalformedHeader> malformed_;
};

using websocket::encode_close_frame;
using websocket::kMaxCloseFrameSize;

}  // namespace wsfo::gateway
