#include "core/stack/address_map.hpp"

#include <algorithm>
#include <cstdint>
#include <map>

namespace wsfo::stack {

namespace {

std::optional<std::uint32_t> parse_ipv4(const std::string& text) {
  std::uint32_t value = 0;
  std::size_t start = 0;
  for (int octet = 0; octet < 4; ++octet) {
    std::size_t end = octet < 3 ? text.find('.', start) : text.size();
    if (end == std::string::npos || end == start || end - start > 3) return std::nullopt;
    unsigned part = 0;
    for (std::size_t i = start; i < end; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      part = part * 10 + static_cast<unsigned>(text[i] - '0');
    }
    if (part > 255) return std::nullopt;
    value = (value << 8) | part;
    start = end + 1;
  }
  return value;
}

std::string format_ipv4(std::uint32_t value) {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 0xff) + "." +
         std::to_string((value >> 8) & 0xff) + "." + std::to_string(value & 0xff);
}

struct NamedAddress {
  std::string address;
  std::string role;
};

// In a fixed order, so that an address named twice keeps the role that
// explains it best: a node's address rather than a URL pointing at it.
std::vector<NamedAddress> named_addresses(const scenario::Scenario& scenario) {
  std::vector<NamedAddress> named;
  for (const auto& unit : scenario.units) {
    for (const auto& node : unit.nodes) named.push_back({node.address, "node " + node.name});
    for (const auto& vip : unit.vips) named.push_back({vip.address, "vip " + vip.name});
    for (const auto& backend : unit.backends) named.push_back({backend.address, "backend " + backend.name});
  }
  for (const auto& event : scenario.timeline) {
    if (const auto* add = std::get_if<scenario::BackendAdd>(&event.action))
      named.push_back({add->backend.address, "backend " + add->backend.name});
  }
  for (const auto& group : scenario.clients)
    if (group.address) named.push_back({*group.address, "client group " + group.name});
  // A URL host that is a DNS name is resolved through the name map, which is mapped entry by entry.
  for (const auto& group : scenario.clients)
    if (parse_ipv4(group.url.host)) named.push_back({group.url.host, "client group " + group.name});
  return named;
}

constexpr std::uint32_t kLoopbackNet = 127u << 24;
constexpr std::uint32_t kSameOctetsNet = (198u << 24) | (18u << 16);    // 198.18.0.0/16
constexpr std::uint32_t kAllocatedFirst = (198u << 24) | (19u << 16);   // 198.19.0.0/17
constexpr std::uint32_t kAllocatedEnd = kAllocatedFirst + (128u << 8);  // 198.19.128.0: clients' ranges from here

}  // namespace

std::optional<AddressMap> AddressMap::for_scenario(const scenario::Scenario& scenario, std::string& error) {
  std::map<std::uint32_t, std::string> roles;  // ordered by address: the allocation order
  for (const auto& named : named_addresses(scenario)) {
    auto value = parse_ipv4(named.address);
    if (!value) {
      error = "cannot map \"" + named.address + "\" (" + named.role + ") into the testbed: not an IPv4 address";
      return std::nullopt;
    }
    if ((*value >> 24) != (kLoopbackNet >> 24)) {
      error = "cannot map " + named.address + " (" + named.role +
              ") into the testbed: only loopback addresses 127.x.y.z are mapped";
      return std::nullopt;
    }
    roles.emplace(*value, named.role);  // the first role stays
  }
  AddressMap map;
  std::uint32_t next = kAllocatedFirst;
  for (const auto& [loopback, role] : roles) {
    std::uint32_t mapped = 0;
    if (((loopback >> 16) & 0xff) == 0) {
      mapped = kSameOctetsNet | (loopback & 0xffff);
    } else {
      while ((next & 0xff) == 0 || (next & 0xff) == 255) ++next;
      if (next >= kAllocatedEnd) {
        error = "cannot map " + format_ipv4(loopback) + " (" + role +
                ") into the testbed: more addresses outside 127.0.0.0/16 than 198.19.0.0/17 holds";
        return std::nullopt;
      }
      mapped = next++;
    }
    map.entries_.push_back({format_ipv4(loopback), format_ipv4(mapped), role});
  }
  return map;
}

std::optional<std::string> AddressMap::find(const std::string& loopback) const {
  auto value = parse_ipv4(loopback);
  if (!value) return std::nullopt;
  // entries_ is sorted by numeric address, which is not the order of the text.
  auto it = std::lower_bound(entries_.begin(), entries_.end(), *value, [](const MappedAddress& entry, std::uint32_t v) {
    return *parse_ipv4(entry.loopback) < v;
  });
  if (it == entries_.end() || it->loopback != format_ipv4(*value)) return std::nullopt;
  return it->mapped;
}

std::string AddressMap::map(const std::string& loopback) const { return find(loopback).value_or(loopback); }

std::string AddressMap::map_url(const std::string& url) const {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  std::size_t host_start = scheme_end + 3;
  std::size_t host_end = url.find_first_of(":/?#", host_start);
  if (host_end == std::string::npos) host_end = url.size();
  std::string host = url.substr(host_start, host_end - host_start);
  return url.substr(0, host_start) + map(host) + url.substr(host_end);
}

std::string AddressMap::map_endpoint(const std::string& ip_port) const {
  auto colon = ip_port.rfind(':');
  if (colon == std::string::npos) return map(ip_port);
  return map(ip_port.substr(0, colon)) + ip_port.substr(colon);
}

std::string AddressMap::clients_source_net(std::size_t process_index) {
  return "198.19." + std::to_string(128 + process_index % 100) + ".0/24";
}

std::string AddressMap::describe() const {
  std::size_t width = 0;
  for (const auto& entry : entries_) width = std::max(width, entry.loopback.size());
  std::string text;
  for (const auto& entry : entries_) {
    text += entry.loopback + std::string(width - entry.loopback.size(), ' ') + " -> " + entry.mapped +
            std::string(15 - std::min<std::size_t>(15, entry.mapped.size()), ' ') + "  " + entry.role + "\n";
  }
  return text;
}

json::Json AddressMap::to_json() const {
  json::Json addresses = json::Json::array();
  for (const auto& entry : entries_)
    addresses.push_back({{"loopback", entry.loopback}, {"mapped", entry.mapped}, {"role", entry.role}});
  return {{"prefix_length", kPrefixLength}, {"addresses", addresses}};
}

}  // namespace wsfo::stack
