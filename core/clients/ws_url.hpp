#pragma once
// The URLs a client connects to and the Location headers it follows. Pure
// text handling; no name resolution here (see name_map.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsfo::clients {

struct WsUrl {
  std::string scheme;      // "ws" or "wss" (http/https Locations are mapped to these)
  std::string host;        // a name or a numeric address, without brackets
  std::uint16_t port = 0;  // explicit or the scheme's default (80 / 443)
  std::string target;      // path and query, always starting with '/'

  std::string text() const;         // "ws://host:port/target", the canonical form
  std::string host_header() const;  // "host" or "host:port" when not the default
  bool operator==(const WsUrl&) const = default;
};

// Accepts ws://, wss://, http://, https:// (http maps to ws, https to wss).
// nullopt with a one-line `error` when malformed.
std::optional<WsUrl> parse_ws_url(std::string_view text, std::string& error);

// A redirect's Location relative to the URL that answered: absolute URLs,
// scheme-relative "//host/path" and absolute paths "/path?q" are accepted.
std::optional<WsUrl> resolve_location(const WsUrl& base, std::string_view location, std::string& error);

}  // namespace wsfo::clients
