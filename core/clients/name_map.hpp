#pragma once
// A name map standing in for DNS, like curl's --resolve: `host=ip:port`,
// repeatable, several addresses per name. A name with several addresses gives
// one per attempt, like DNS round robin over a unit's VIPs.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::clients {

struct SocketAddress {
  std::string ip;  // numeric IPv4 or IPv6, without brackets
  std::uint16_t port = 0;
  bool operator==(const SocketAddress&) const = default;
};

std::string to_string(const SocketAddress& address);  // "1.2.3.4:80", "[::1]:80"

bool is_numeric_ipv4(const std::string& text);
bool is_numeric_ip(const std::string& text);

class NameMap {
 public:
  // Adds "host=ip:port[,ip:port...]"; false with a one-line `error` when malformed.
  bool add(const std::string& entry, std::string& error);

  // The addresses for `host`: the mapped ones, or the host itself when it is a
  // numeric address (with `port`). Empty when the name is unknown.
  std::vector<SocketAddress> lookup(const std::string& host, std::uint16_t port) const;

  // One address per attempt: `draw` picks among several (round robin by a
  // random draw, so that many clients spread evenly).
  std::optional<SocketAddress> pick(const std::string& host, std::uint16_t port, std::uint64_t draw) const;

  bool empty() const { return names_.empty(); }

 private:
  std::map<std::string, std::vector<SocketAddress>> names_;  // lower-case names
};

}  // namespace wsfo::clients
