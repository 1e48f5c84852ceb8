#pragma once
// Reading the scripted backend's texts (DESIGN.md §1, backends):
//   "Welcome to the server!<label>"   sent once on connect
//   "<seq>:<label>"                   the broadcast, possibly padded as
//                                     "<seq>:<label>|xxxx" to a message size
//   "<message>:<label>"               the echo of what a client sent
#include <cstdint>
#include <optional>
#include <string_view>

namespace wsfo::clients {

inline constexpr std::string_view kWelcomePrefix = "Welcome to the server!";

// The backend label of a welcome text, or nullopt.
std::optional<std::string_view> welcome_label(std::string_view text);

struct Broadcast {
  std::uint64_t seq = 0;
  std::string_view label;
};

// A leading decimal number, ':', and a label up to '|' or the end. The echo of
// a numeric message has the same shape: callers tell them apart by what they
// sent (see is_echo_of).
std::optional<Broadcast> parse_broadcast(std::string_view text);

// True when `text` is "<sent>:<label>".
bool is_echo_of(std::string_view text, std::string_view sent);

}  // namespace wsfo::clients
