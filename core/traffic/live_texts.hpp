#pragma once
// Sizes of what the live backend and client send (simulator/backend,
// clients/client_session.cpp), so the model charges the same bytes: the
// welcome text, the announcement, the padded `<seq>:<label>` broadcast, the
// client's first message (the seed's Date.now()) and its echo. Pings and
// pongs carry no payload.
#include <cstddef>
#include <cstdint>
#include <string>

namespace wsfo::traffic {

// "Welcome to the server!" + label
std::size_t welcome_size(const std::string& label);
// label + " new connection: " + path
std::size_t announcement_size(const std::string& label, const std::string& path);
// "<seq>:<label>", padded to message_size ("|xxx") when shorter.
std::size_t broadcast_size(std::uint64_t seq, const std::string& label, std::size_t message_size);
// Date.now() in milliseconds: 13 digits until the year 2286.
constexpr std::size_t kFirstMessageSize = 13;
// The echo: the message + ":" + label.
std::size_t echo_size(const std::string& label);

// A WebSocket frame's header for a payload of `size` bytes; a client's
// frames carry a 4-byte mask too.
std::size_t frame_header_size(std::size_t size, bool from_client);

}  // namespace wsfo::traffic
