#include "core/clients/name_map.hpp"

#include <cctype>

#include "core/clients/client_stream.hpp"

namespace wsfo::clients {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_numeric_ipv6(const std::string& text) {
  if (text.find(':') == std::string::npos) return false;
  for (char c : text)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
  return true;
}

std::optional<SocketAddress> parse_address(const std::string& text, std::string& error) {
  SocketAddress address;
  std::string port_text;
  if (text.starts_with('[')) {
    auto close = text.find("]:");
    if (close == std::string::npos) return error = "'" + text + "' is not [ipv6]:port", std::nullopt;
    address.ip = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return error = "'" + text + "' has no port (expected ip:port)", std::nullopt;
    address.ip = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (!is_numeric_ip(address.ip)) return error = "'" + address.ip + "' is not a numeric IP address", std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) return error = "port '" + port_text + "' is not in 1..65535", std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port_text.empty() || port == 0 || port > 65535)
    return error = "port '" + port_text + "' is not in 1..65535", std::nullopt;
  address.port = static_cast<std::uint16_t>(port);
  return address;
}

}  // namespace

std::string to_string(const SocketAddress& address) {
  bool v6 = address.ip.find(':') != std::string::npos;
  return (v6 ? "[" + address.ip + "]" : address.ip) + ":" + std::to_string(address.port);
}

bool is_numeric_ipv4(const std::string& text) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t start = i;
    unsigned value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3)
      value = value * 10 + static_cast<unsigned>(text[i++] - '0');
    if (i == start || value > 255) return false;
    ++parts;
    if (i == text.size()) break;
    if (text[i] != '.') return false;
    ++i;
  }
  return parts == 4;
}

bool is_numeric_ip(const std::string& text) { return is_numeric_ipv4(text) || is_numeric_ipv6(text); }

bool NameMap::add(const std::string& entry, std::string& error) {
  auto eq = entry.find('=');
  if (eq == std::string::npos || eq == 0) {
    error = "--resolve '" + entry + "': expected host=ip:port[,ip:port...]";
    return false;
  }
  std::string host = lower(entry.substr(0, eq));
  std::vector<SocketAddress> addresses;
  std::string list = entry.substr(eq + 1);
  std::size_t start = 0;
  while (true) {
    auto comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::string why;
    auto address = parse_address(item, why);
    if (!address) {
      error = "--resolve '" + entry + "': " + why;
      return false;
    }
    addresses.push_back(*address);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  auto& known = names_[host];
  known.insert(known.end(), addresses.begin(), addresses.end());
  return true;
}

std::vector<SocketAddress> NameMap::lookup(const std::string& host, std::uint16_t port) const {
  auto it = names_.find(lower(host));
  if (it != names_.end()) return it->second;
  if (is_numeric_ip(host)) return {SocketAddress{host, port}};
  return {};
}

std::optional<SocketAddress> NameMap::pick(const std::string& host, std::uint16_t port, std::uint64_t draw) const {
  auto it = names_.find(lower(host));
  if (it != names_.end()) {
    const auto& list = it->second;
    return list[address_pick(draw, list.size())];
  }
  if (is_numeric_ip(host)) return SocketAddress{host, port};
  return std::nullopt;
}

}  // namespace wsfo::clients
