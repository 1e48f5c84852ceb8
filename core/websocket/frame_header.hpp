#pragma once
// RFC 6455 §5.2 frame headers: FIN, RSV1-3, opcode, MASK, the 7-, 16- or
// 64-bit payload length and the masking key. The fleet's client parser
// (core/clients/ws_frame) and the gateway's relay tracker
// (core/gateway/frame_tracker) both read headers here, so they agree on
// where a frame ends and on what makes a header malformed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

namespace wsfo::websocket {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

constexpr bool is_control(std::uint8_t opcode) { return opcode >= 8; }
constexpr bool is_control(Opcode opcode) { return is_control(static_cast<std::uint8_t>(opcode)); }
inline constexpr std::size_t kMaxHeaderSize = 2 + 8 + 4;
inline constexpr std::uint64_t kMaxControlPayload = 125;

// Who sends the frames being read: a client masks every frame and a server
// none (RFC 6455 §5.1); a relay reading both directions accepts either.
enum class Sender { client, server, either };

struct HeaderRules {
  Sender sender = Sender::either;
  // RSV1-3 mean something only under a negotiated extension (permessage-deflate
  // sets RSV1); whoever cannot know what was negotiated lets them through.
  bool reserved_bits_allowed = false;
};

struct FrameHeader {
  bool fin = false;
  std::uint8_t reserved = 0;  // RSV1-3, as bits 0x70 of the first byte
  std::uint8_t opcode = 0;
  bool masked = false;
  std::array<std::uint8_t, 4> mask_key{};
  std::uint64_t payload_length = 0;
  std::size_t size = 0;  // of the header itself: 2 to kMaxHeaderSize bytes
  bool operator==(const FrameHeader&) const = default;
};

struct MalformedHeader {
  enum class Kind {
    reserved_bits,
    unknown_opcode,
    masked_by_server,
    unmasked_by_client,
    length_msb_set,
    fragmented_control,
    control_too_long,
  };
  Kind kind = Kind::reserved_bits;
  std::uint8_t opcode = 0;  // the frame's, which unknown_opcode names
  // The reason given when failing the connection, e.g. "unknown opcode 3".
  std::string message() const;
  bool operator==(const MalformedHeader&) const = default;
};

// The header is not complete yet: parse again once this many bytes are in.
struct NeedMore {
  std::size_t header_size = 2;
  bool operator==(const NeedMore&) const = default;
};

using HeaderParse = std::variant<NeedMore, FrameHeader, MalformedHeader>;

// Reads the header at the start of `bytes`, which may hold only part of it
// (or more than it). What the first two bytes decide (reserved bits, opcode,
// masking) is judged as soon as they are in, so a bad frame fails without
// waiting for its extended length; the length and the control-frame limits
// once the whole header is.
HeaderParse parse_header(std::span<const std::uint8_t> bytes, const HeaderRules& rules);

}  // namespace wsfo::websocket
