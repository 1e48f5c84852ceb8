#include "core/clients/ws_url.hpp"

#include <cctype>

namespace wsfo::clients {
namespace {

std::optional<std::string> websocket_scheme(std::string_view scheme) {
  std::string lower;
  for (char c : scheme) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "ws" || lower == "http") return "ws";
  if (lower == "wss" || lower == "https") return "wss";
  return std::nullopt;
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':';
}

// "host", "host:port", "[v6]:port" → host and port (0 when absent).
bool split_authority(std::string_view authority, WsUrl& url, std::string& error) {
  std::string_view host = authority, port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return error = "unterminated '[' in host", false;
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return error = "unexpected text after ']' in host", false;
      port_text = rest.substr(1);
      if (port_text.empty()) return error = "empty port", false;
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return error = "empty port", false;
  }
  if (host.empty()) return error = "empty host", false;
  for (char c : host)
    if (!valid_host_char(c)) return error = std::string("invalid character '") + c + "' in host", false;
  url.host = std::string(host);
  if (!port_text.empty()) {
    unsigned value = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return error = "port '" + std::string(port_text) + "' is not a number", false;
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 65535) return error = "port '" + std::string(port_text) + "' is out of range 1..65535", false;
    }
    if (value == 0) return error = "port 0 is not a valid destination", false;
    url.port = static_cast<std::uint16_t>(value);
  }
  return true;
}

bool valid_target(std::string_view target, std::string& error) {
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return error = "path contains a space or control character", false;
  return true;
}

}  // namespace

std::string WsUrl::text() const {
  bool ipv6 = host.find(':') != std::string::npos;
  return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + target;
}

std::string WsUrl::host_header() const {
  bool ipv6 = host.find(':') != std::string::npos;
  std::string h = ipv6 ? "[" + host + "]" : host;
  std::uint16_t default_port = scheme == "wss" ? 443 : 80;
  return port == default_port ? h : h + ":" + std::to_string(port);
}

std::optional<WsUrl> parse_ws_url(std::string_view text, std::string& error) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    error = "URL '" + std::string(text) + "' has no scheme (expected ws://host:port/path)";
    return std::nullopt;
  }
  auto scheme = websocket_scheme(text.substr(0, sep));
  if (!scheme) {
    error = "URL '" + std::string(text) + "': unsupported scheme '" + std::string(text.substr(0, sep)) +
            "' (expected ws, wss, http or https)";
    return std::nullopt;
  }
  WsUrl url;
  url.scheme = *scheme;
  auto rest = text.substr(sep + 3);
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  std::string why;
  if (!split_authority(authority, url, why)) {
    error = "URL '" + std::string(text) + "': " + why;
    return std::nullopt;
  }
  if (url.port == 0) url.port = url.scheme == "wss" ? 443 : 80;
  if (slash == std::string_view::npos)
    url.target = "/";
  else if (rest[slash] == '?')
    url.target = "/" + std::string(rest.substr(slash));
  else
    url.target = std::string(rest.substr(slash));
  if (auto hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
  if (!valid_target(url.target, why)) {
    error = "URL '" + std::string(text) + "': " + why;
    return std::nullopt;
  }
  return url;
}

std::optional<WsUrl> resolve_location(const WsUrl& base, std::string_view location, std::string& error) {
  if (location.empty()) {
    error = "redirect without a Location header";
    return std::nullopt;
  }
  if (location.starts_with("//")) return parse_ws_url(base.scheme + ":" + std::string(location), error);
  if (location.starts_with('/')) {
    WsUrl url = base;
    url.target = std::string(location);
    std::string why;
    if (!valid_target(url.target, why)) {
      error = "Location '" + std::string(location) + "': " + why;
      return std::nullopt;
    }
    return url;
  }
  auto url = parse_ws_url(location, error);
  if (!url) error = "bad Location: " + error;
  return url;
}

}  // namespace wsfo::clients
