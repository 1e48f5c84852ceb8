#pragma once
// RFC 6455 §5.5.1 close frames as wsfo writes them: the client fleet closing
// its connections and the gateway's relay closing a client at a cutover or
// shutdown write the same bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wsfo::websocket {

inline constexpr std::size_t kMaxCloseFrameSize = 2 + 4 + 125;

// Writes a close frame with `code` and `reason` (cut to 123 bytes: a control
// payload holds at most 125) into `out`; masked with `mask` when given
// (frames a client sends must be). Returns the frame size.
std::size_t encode_close_frame(std::array<std::uint8_t, kMaxCloseFrameSize>& out, std::uint16_t code,
                               std::string_view reason, const std::optional<std::array<std::uint8_t, 4>>& mask);

}  // namespace wsfo::websocket
