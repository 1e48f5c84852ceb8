#include "core/websocket/close_frame.hpp"

#include <algorithm>

#include "core/websocket/frame_header.hpp"

namespace wsfo::websocket {

std::size_t encode_close_frame(std::array<std::uint8_t, kMaxCloseFrameSize>& out, std::uint16_t code,
                               std::string_view reason, const std::optional<std::array<std::uint8_t, 4>>& mask) {
  reason = reason.substr(0, 123);
  std::size_t payload = 2 + reason.size();
  std::size_t at = 0;
  out[at++] = 0x80 | static_cast<std::uint8_t>(Opcode::close);  // FIN + close
  out[at++] = static_cast<std::uint8_t>((mask ? 0x80 : 0) | payload);
  if (mask) {
    std::copy(mask->begin(), mask->end(), out.begin() + static_cast<std::ptrdiff_t>(at));
    at += 4;
  }
  std::size_t start = at;
  out[at++] = static_cast<std::uint8_t>(code >> 8);
  out[at++] = static_cast<std::uint8_t>(code & 0xff);
  for (char c : reason) out[at++] = static_cast<std::uint8_t>(c);
  if (mask)
    for (std::size_t k = 0; k < payload; ++k) out[start + k] ^= (*mask)[k % 4];
  return at;
}

}  // namespace wsfo::websocket
