#include "simulator/backend/backend_options.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "core/json/json_reader.hpp"

namespace wsfo::backend {

namespace {

std::optional<std::uint16_t> parse_port(const std::string& text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(const std::string& text, std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    error = "listen address \"" + text + "\" must be HOST:PORT, e.g. 127.0.0.1:8080";
    return std::nullopt;
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec) {
    error = "listen address \"" + text + "\": \"" + host + "\" is not a numeric IP address";
    return std::nullopt;
  }
  auto port = parse_port(text.substr(colon + 1));
  if (!port) {
    error = "listen address \"" + text + "\": port must be a number from 0 to 65535";
    return std::nullopt;
  }
  return ListenAddress{host, *port};
}

std::optional<std::chrono::nanoseconds> parse_backend_duration(const std::string& text, std::string& error) {
  auto d = json::parse_duration(text);
  if (!d) error = "\"" + text + "\" is not a duration (a number with a unit ns, us, ms, s, m or h, e.g. 1500ms)";
  return d;
}

bool valid_label(const std::string& label, std::string& error) {
  if (label.empty() || label.size() > 64) {
    error = "label must have 1 to 64 characters";
    return false;
  }
  for (char c : label) {
    if (c <= ' ' || c > '~') {
      error = "label \"" + label + "\" must be printable ASCII without spaces";
      return false;
    }
  }
  return true;
}

std::string pad_to_size(std::string text, std::size_t size) {
  if (text.size() >= size) return text;
  text += '|';
  text.append(size - text.size(), 'x');
  return text;
}

std::string format_host_port(const std::string& host, std::uint16_t port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace wsfo::backend
