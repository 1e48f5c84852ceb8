#pragma once
// The addresses a scenario names (127.x, so that it plays on loopback) moved
// into 198.18.0.0/15, the benchmarking range, for the real-stack testbed:
// there every node, the backends and the clients live in their own network
// namespace, and loopback addresses cannot travel between namespaces. The
// range only ever exists inside namespaces the run created, so it cannot
// clash with the host's own networks.
//
// 127.0.B.C keeps its last two octets (198.18.B.C), so the common case reads
// the same in both stacks; any other 127.A.B.C takes the next free address of
// 198.19.0.0/17 in address order. 198.19.128.0/17 is left for the clients'
// source ranges (clients_source_net).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::stack {

struct MappedAddress {
  std::string loopback;
  std::string mapped;
  // Who named it first: "node server1", "vip vip-110", "backend app16",
  // "client group x" (its source address or the host of its URL).
  std::string role;
};

class AddressMap {
 public:
  // Every IPv4 address the scenario names: nodes, VIPs, backends (also those a
  // timeline backend-add brings), client groups' source `address`, IPv4 hosts
  // of client URLs. nullopt, with `error` naming the address and its role,
  // when one is not a loopback address or the range runs out.
  static std::optional<AddressMap> for_scenario(const scenario::Scenario& scenario, std::string& error);

  std::optional<std::string> find(const std::string& loopback) const;
  // An address the map does not hold is returned unchanged.
  std::string map(const std::string& loopback) const;
  // ws://127.0.2.110:8020/x → ws://198.18.2.110:8020/x; other hosts unchanged.
  std::string map_url(const std::string& url) const;
  // "127.0.2.16:8010" → "198.18.2.16:8010".
  std::string map_endpoint(const std::string& ip_port) const;

  // The block the clients process number `process_index` spreads its source
  // addresses over: "198.19.(128 + i % 100).0/24".
  static std::string clients_source_net(std::size_t process_index);
  static constexpr int kPrefixLength = 15;

  const std::vector<MappedAddress>& entries() const { return entries_; }  // sorted by loopback address
  // One line per entry ("127.0.2.16 -> 198.18.2.16  backend app16"), printed at the start of a run.
  std::string describe() const;
  // {"prefix_length": 15, "addresses": [{"loopback", "mapped", "role"}, ...]}, for the run directory.
  json::Json to_json() const;

 private:
  std::vector<MappedAddress> entries_;
};

}  // namespace wsfo::stack
