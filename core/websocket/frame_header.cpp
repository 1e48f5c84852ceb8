#include "core/websocket/frame_header.hpp"

namespace wsfo::websocket {

namespace {

bool opcode_is_defined(std::uint8_t opcode) { return opcode <= 2 || (opcode >= 8 && opcode <= 10); }

MalformedHeader malformed_header(MalformedHeader::Kind kind, std::uint8_t opcode) { return {kind, opcode}; }

}  // namespace

std::string MalformedHeader::message() const {
  switch (kind) {
    case Kind::reserved_bits:
      return "reserved bits set in a frame (no extension was negotiated)";
    case Kind::unknown_opcode:
      return "unknown opcode " + std::to_string(opcode);
    case Kind::masked_by_server:
      return "the server masked a frame";
    case Kind::unmasked_by_client:
      return "the client sent an unmasked frame";
    case Kind::length_msb_set:
      return "frame length has its most significant bit set";
    case Kind::fragmented_control:
      return "fragmented control frame";
    case Kind::control_too_long:
      return "control frame longer than " + std::to_string(kMaxControlPayload) + " bytes";
  }
  return "malformed frame header";
}

HeaderParse parse_header(std::span<const std::uint8_t> bytes, const HeaderRules& rules) {
  using Kind = MalformedHeader::Kind;
  if (bytes.size() < 2) return NeedMore{2};
  FrameHeader header;
  header.fin = (bytes[0] & 0x80) != 0;
  header.reserved = bytes[0] & 0x70;
  header.opcode = bytes[0] & 0x0f;
  header.masked = (bytes[1] & 0x80) != 0;
  if (header.reserved != 0 && !rules.reserved_bits_allowed) return malformed_header(Kind::reserved_bits, header.opcode);
  if (!opcode_is_defined(header.opcode)) return malformed_header(Kind::unknown_opcode, header.opcode);
  if (header.masked && rules.sender == Sender::server) return malformed_header(Kind::masked_by_server, header.opcode);
  if (!header.masked && rules.sender == Sender::client)
    return malformed_header(Kind::unmasked_by_client, header.opcode);

  const std::uint8_t length7 = bytes[1] & 0x7f;
  const std::size_t length_bytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
  header.size = 2 + length_bytes + (header.masked ? 4 : 0);
  if (bytes.size() < header.size) return NeedMore{header.size};

  header.payload_length = length7;
  if (length_bytes != 0) {
    header.payload_length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) header.payload_length = (header.payload_length << 8) | bytes[2 + i];
  }
  if (header.payload_length >> 63) return malformed_header(Kind::length_msb_set, header.opcode);
  if (header.masked)
    for (std::size_t i = 0; i < 4; ++i) header.mask_key[i] = bytes[2 + length_bytes + i];
  if (is_control(header.opcode)) {
    if (!header.fin) return malformed_header(Kind::fragmented_control, header.opcode);
    if (header.payload_length > kMaxControlPayload) return malformed_header(Kind::control_too_long, header.opcode);
  }
  return header;
}

}  // namespace wsfo::websocket
