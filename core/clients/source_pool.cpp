#include "core/clients/source_pool.hpp"

#include "core/clients/name_map.hpp"

namespace wsfo::clients {
namespace {

bool usable_host(std::uint32_t address) {
  auto last = address & 0xffu;
  return last != 0 && last != 255;
}

}  // namespace

std::optional<SourcePool> SourcePool::parse(const std::string& cidr, std::string& error) {
  auto slash = cidr.find('/');
  std::string ip = cidr.substr(0, slash);
  if (slash == std::string::npos || !is_numeric_ipv4(ip)) {
    error = "source network '" + cidr + "': expected an IPv4 block such as 127.1.0.0/16";
    return std::nullopt;
  }
  std::string prefix_text = cidr.substr(slash + 1);
  int prefix = 0;
  for (char c : prefix_text) {
    if (c < '0' || c > '9' || prefix > 32) prefix = 99;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix_text.empty() || prefix < 8 || prefix > 32) {
    error = "source network '" + cidr + "': prefix length must be 8..32";
    return std::nullopt;
  }
  std::uint32_t address = 0;
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    auto dot = ip.find('.', start);
    address = (address << 8) | static_cast<std::uint32_t>(std::stoul(ip.substr(start, dot - start)));
    start = dot + 1;
  }
  SourcePool pool;
  pool.size_ = std::uint64_t{1} << (32 - prefix);
  std::uint32_t mask = prefix == 32 ? 0xffffffffu : ~((std::uint32_t{1} << (32 - prefix)) - 1);
  pool.first_ = address & mask;
  for (std::uint64_t i = 0; i < pool.size_; ++i)
    if (usable_host(pool.first_ + static_cast<std::uint32_t>(i))) ++pool.usable_;
  if (pool.usable_ == 0) {
    error = "source network '" + cidr + "' has no usable address (.0 and .255 are skipped)";
    return std::nullopt;
  }
  pool.text_ = format_ipv4(pool.first_) + "/" + std::to_string(prefix);
  return pool;
}

std::uint32_t SourcePool::address(std::uint64_t n) const {
  // Skip .0 and .255 by mapping n onto 254 usable hosts per /24 when the
  // block is at least a /24; small blocks are walked directly.
  n %= usable_;
  if (size_ >= 256) {
    std::uint64_t block = n / 254, host = n % 254 + 1;
    return first_ + static_cast<std::uint32_t>(block * 256 + host);
  }
  for (std::uint64_t i = 0, seen = 0; i < size_; ++i) {
    auto candidate = first_ + static_cast<std::uint32_t>(i);
    if (!usable_host(candidate)) continue;
    if (seen++ == n) return candidate;
  }
  return first_;
}

std::string SourcePool::format_ipv4(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." + std::to_string((a >> 8) & 0xff) +
         "." + std::to_string(a & 0xff);
}

}  // namespace wsfo::clients
