#include "core/scenario/reader_support.hpp"

#include <algorithm>
#include <cctype>

namespace wsfo::scenario::detail {

namespace {

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; }

bool is_valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), is_name_char);
}

// Decimal 0-255 without leading zeros.
bool is_octet(const std::string& text) {
  if (text.empty() || text.size() > 3 || !std::all_of(text.begin(), text.end(), ::isdigit)) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  return std::stoi(text) <= 255;
}

bool is_hostname(const std::string& text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = text.find('.', start);
    std::string label = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

// "ws://host[:port]/path?query"; the reason when not.
std::optional<WsUrl> parse_ws_url(const std::string& text, std::string& reason) {
  WsUrl url;
  url.text = text;
  std::size_t scheme_end = text.find("://");
  url.scheme = scheme_end == std::string::npos ? "" : text.substr(0, scheme_end);
  if (url.scheme != "ws" && url.scheme != "wss") return reason = "the scheme must be ws:// or wss://", std::nullopt;
  std::size_t host_start = scheme_end + 3;
  std::size_t path_start = text.find('/', host_start);
  std::string authority =
      text.substr(host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  url.target = path_start == std::string::npos ? "/" : text.substr(path_start);
  std::size_t colon = authority.find(':');
  url.host = authority.substr(0, colon);
  url.port = url.scheme == "ws" ? 80 : 443;
  if (colon != std::string::npos) {
    std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) || std::stoi(port) < 1 ||
        std::stoi(port) > 65535)
      return reason = "the port must be 1-65535", std::nullopt;
    url.port = static_cast<std::uint16_t>(std::stoi(port));
  }
  if (!is_hostname(url.host)) return reason = "the host must be a DNS name or an IPv4 address", std::nullopt;
  if (url.target.find_first_of(" #") != std::string::npos)
    return reason = "the path must not contain spaces or a fragment", std::nullopt;
  return url;
}

}  // namespace

bool is_loopback_ipv4(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = text.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(text.substr(start, dot - start));
  parts.push_back(text.substr(start));
  return parts.size() == 4 && std::all_of(parts.begin(), parts.end(), is_octet) && parts[0] == "127";
}

std::optional<std::string> name_value(const Json& value, const std::string& pointer, Problems& problems) {
  if (value.is_string() && is_valid_name(value.get<std::string>())) return value.get<std::string>();
  problems.add(pointer, "expected a name of 1-64 letters, digits, '.', '_' or '-', got " +
                            (value.is_string() ? value.dump() : json::type_name(value)));
  return std::nullopt;
}

std::optional<std::string> read_name(ObjectReader& reader, const std::string& key, bool required) {
  const Json* value = reader.value(key, required);
  if (!value) return std::nullopt;
  return name_value(*value, reader.pointer_of(key), reader.problems());
}

std::optional<std::string> read_loopback(ObjectReader& reader, const std::string& key, bool required) {
  auto text = reader.string(key, required);
  if (!text) return std::nullopt;
  if (is_loopback_ipv4(*text)) return text;
  reader.problems().add(reader.pointer_of(key), "expected a loopback IPv4 address 127.x.y.z, got \"" + *text + "\"");
  return std::nullopt;
}

std::optional<std::uint16_t> read_port(ObjectReader& reader, const std::string& key) {
  auto port = reader.integer(key, true, 1, 65535);
  if (!port) return std::nullopt;
  return static_cast<std::uint16_t>(*port);
}

std::optional<std::string> read_hostname(ObjectReader& reader, const std::string& key) {
  auto text = reader.string(key, true);
  if (!text) return std::nullopt;
  if (is_hostname(*text)) return text;
  reader.problems().add(reader.pointer_of(key),
                        "expected a DNS name such as \"websocket.msha.tech\", got \"" + *text + "\"");
  return std::nullopt;
}

std::optional<WsUrl> read_ws_url(ObjectReader& reader, const std::string& key, bool tls) {
  auto text = reader.string(key, true);
  if (!text) return std::nullopt;
  std::string reason;
  auto url = parse_ws_url(*text, reason);
  if (!url) {
    reader.problems().add(reader.pointer_of(key),
                          "expected a WebSocket URL such as "
                          "\"ws://websocket.msha.tech:8020/\": " +
                              reason + ", got \"" + *text + "\"");
  } else if (tls && url->scheme != "wss") {
    reader.problems().add(reader.pointer_of(key),
                          "expected a wss:// URL: the scenario has \"tls\": true, so every gateway speaks TLS "
                          "only, got \"" + *text + "\"");
    return std::nullopt;
  } else if (!tls && url->scheme != "ws") {
    reader.problems().add(reader.pointer_of(key),
                          "expected a ws:// URL: a wss:// URL needs \"tls\": true at the top of the scenario "
                          "(the gateways speak plain WebSocket without it), got \"" + *text + "\"");
    return std::nullopt;
  }
  return url;
}

bool NameRegistry::claim(const std::string& name, const std::string& pointer, Problems& problems) {
  auto [it, inserted] = defined_.emplace(name, pointer);
  if (!inserted) problems.add(pointer, "duplicate " + kind_ + " '" + name + "' (first at " + it->second + ")");
  return inserted;
}

bool EndpointRegistry::claim(const std::string& address, std::uint16_t port, const std::string& owner_pointer,
                             const std::string& pointer, Problems& problems) {
  auto [it, inserted] = owners_.emplace(std::pair{address, port}, owner_pointer);
  if (!inserted)
    problems.add(pointer, "address " + address + ":" + std::to_string(port) + " is already used by " + it->second);
  return inserted;
}

}  // namespace wsfo::scenario::detail
