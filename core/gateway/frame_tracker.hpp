#pragma once
// Follows the WebSocket frame structure (RFC 6455 §5.2) of a byte stream the
// gateway relays without decoding payloads: it reads frame headers only, so
// the relay knows where frames end (to inject a close frame at a frame
// boundary) and which close code a peer sent. Given a FramePolicy, it also
// judges each header by FrameRules and stops right before the first frame
// that breaks them, so that frame need not be relayed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/gateway/frame_rules.hpp"
#include "core/websocket/close_frame.hpp"
#include "core/websocket/frame_header.hpp"

namespace wsfo::gateway {

class FrameTracker {
 public:
  FrameTracker() = default;
  explicit FrameTracker(const FramePolicy& policy) : rules_(policy) {}

  // Follows up to `size` bytes. With `stop_at_frame_end`, stops right after
  // the first frame that ends in them. Returns how many bytes it followed.
  // On the first violation of its policy it stops before the offending
  // frame's header (or at `data` when that header began in an earlier call:
  // see violation_split()); from there on it follows the rest, that frame
  // included, without judging, as it would without a policy.
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
  // The first frame that broke the policy, and whether its header began in
  // an earlier consume() call (those first bytes were followed already).
  const FrameViolation* violation() const { return violation_.get(); }
  bool violation_split() const { return violation_split_; }
  // Judges no further header (a closing connection relays what comes).
  void stop_judging() { judging_ = false; }

 private:
  enum class State { header, payload };
  enum class Header { followed, malformed, rejected };
  Header header_complete();
  bool reject(std::optional<FrameViolation> violation, std::size_t carried);
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
  // Judging adds 48 bytes to a tracker (a relayed connection holds two);
  // a verdict is allocated only once there is one.
  FrameRules rules_;
  std::unique_ptr<const FrameViolation> violation_;
  std::uint8_t carried_ = 0;  // header bytes of the frame being read that came in earlier calls
  bool judging_ = true;
  bool violation_split_ = false;
};

using websocket::encode_close_frame;
using websocket::kMaxCloseFrameSize;

}  // namespace wsfo::gateway
