#pragma once
// Source addresses for the fleet's sockets, spread over a loopback block
// (e.g. 127.1.0.0/16) so that many connections to one backend do not run out
// of ephemeral ports on a single source address.
#include <cstdint>
#include <optional>
#include <string>

namespace wsfo::clients {

class SourcePool {
 public:
  // "127.1.0.0/16" (prefix 8..32). Host addresses ending in .0 or .255 are
  // skipped. nullopt with `error` when malformed.
  static std::optional<SourcePool> parse(const std::string& cidr, std::string& error);

  // The n-th usable address (cycling), as host-order IPv4.
  std::uint32_t address(std::uint64_t n) const;
  std::uint64_t usable() const { return usable_; }
  std::string text() const { return text_; }

  static std::string format_ipv4(std::uint32_t address);

 private:
  std::uint32_t first_ = 0;
  std::uint64_t size_ = 0;    // addresses in the block
  std::uint64_t usable_ = 0;  // without .0 and .255
  std::string text_;
};

}  // namespace wsfo::clients
