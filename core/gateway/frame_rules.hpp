#pragma once
// The RFC 6455 rules the gateway enforces on relayed frames, judged one
// frame header at a time (no payload is read): which reserved bits the
// negotiated extensions allow, who masks, how fragments follow each other,
// and how large a message may grow. A verdict names the close code (1002
// protocol error, 1009 message too big) and a reason.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/websocket/frame_header.hpp"

namespace wsfo::gateway {

// What a 101's Sec-WebSocket-Extensions value negotiated (several header
// lines joined with ", ").
struct NegotiatedExtensions {
  bool permessage_deflate = false;  // RFC 7692: RSV1 marks a compressed message
  bool other = false;               // any other extension: its RSV bits are unknown here
};
NegotiatedExtensions parse_negotiated_extensions(std::string_view header_value);

// (Fields ordered to pack: every relayed connection holds two.)
struct FramePolicy {
  std::uint64_t max_message_bytes = 0;  // payload of a message, fragments summed; 0: no limit
  websocket::Sender sender = websocket::Sender::either;
  std::uint8_t reserved_allowed = 0;  // RSV bits (0x70 of the first byte) a frame may set
  bool deflate = false;               // RSV1 only on the first frame of a data message
  bool enforce = false;               // false: every header passes (only the framing itself is followed)
};

// Frames a client sends through the gateway, and those a backend answers.
FramePolicy client_frame_policy(const NegotiatedExtensions& extensions, std::uint64_t max_message_bytes);
FramePolicy server_frame_policy(const NegotiatedExtensions& extensions);

struct FrameViolation {
  std::uint16_t code = 1002;
  std::string reason;  // fits a close frame (at most 123 bytes)
  bool operator==(const FrameViolation&) const = default;
};

inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseMessageTooBig = 1009;

// Follows one direction's sequence of frame headers.
class FrameRules {
 public:
  FrameRules() = default;
  explicit FrameRules(const FramePolicy& policy) : policy_(policy) {}

  bool enforcing() const { return policy_.enforce; }
  // A complete header; a violation is final (the caller closes the connection).
  std::optional<FrameViolation> check(const websocket::FrameHeader& header);
  // A header even a lenient parser cannot read (unknown opcode, fragmented
  // or long control frame, length with its top bit set).
  std::optional<FrameViolation> check(const websocket::MalformedHeader& malformed) const;

 private:
  FramePolicy policy_;
  std::uint64_t message_bytes_ = 0;
  bool message_open_ = false;  // a fragmented data message awaits its continuation frames
};

}  // namespace wsfo::gateway
