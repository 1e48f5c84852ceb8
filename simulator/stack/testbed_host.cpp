// What the testbed asks of the host: leftovers of dead runs cleared, and
// whether namespaces can be built here at all.
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>

#include "simulator/stack/netns_command.hpp"
#include "simulator/stack/testbed.hpp"

namespace wsfo::stack {

namespace {

// Effective capabilities, from /proc/self/status's CapEff; 0 when unreadable.
std::uint64_t effective_capabilities() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      try {
        return std::stoull(line.substr(7), nullptr, 16);
      } catch (const std::exception&) {
        return 0;
      }
    }
  }
  return 0;
}

constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;  // `ip netns add` mounts the namespace

}  // namespace

std::vector<std::string> remove_stale_testbeds(std::string& error) {
  std::vector<std::string> stale;
  for (const auto& name : list_namespaces()) {
    auto owner = owner_of_namespace(name);
    if (owner && !owner_alive(*owner)) stale.push_back(name);
  }
  if (stale.empty()) return {};
  std::string ip = find_system_tool("ip");
  if (ip.empty()) {
    error = "cannot remove stale testbeds: no `ip` command (Debian package iproute2)";
    return {};
  }
  std::string problem = kill_and_delete_namespaces(ip, stale);
  if (!problem.empty()) error = "removing stale testbeds: " + problem;
  std::vector<std::string> removed;
  for (const auto& name : stale)
    if (!namespace_exists(name)) removed.push_back(name);
  return removed;
}

std::string testbed_unavailable_reason() {
  std::uint64_t capabilities = effective_capabilities();
  bool net_admin = capabilities >> kCapNetAdmin & 1;
  bool sys_admin = capabilities >> kCapSysAdmin & 1;
  if (geteuid() != 0 && !(net_admin && sys_admin))
    return "not root: network namespaces need root with CAP_NET_ADMIN and CAP_SYS_ADMIN";
  if (!net_admin) return "no CAP_NET_ADMIN: network namespaces need it to set up interfaces";
  if (!sys_admin) return "no CAP_SYS_ADMIN: `ip netns add` needs it to mount a namespace";
  std::string ip = find_system_tool("ip");
  if (ip.empty()) return "no `ip` command (Debian package iproute2)";
  if (find_system_tool("nft").empty()) return "no `nft` command (Debian package nftables)";
  if (find_system_tool("sysctl").empty()) return "no `sysctl` command (Debian package procps)";

  static std::atomic<int> probes{0};
  std::string probe = namespace_prefix(this_process_as_owner()) + "probe" + std::to_string(probes++);
  if (auto created = run_ip_batch(ip, "", {"netns add " + probe}); !created.ok)
    return "network namespaces unsupported: " + created.error;
  auto links = run_ip_batch(ip, probe, {"link add p0 type veth peer name p1", "link add pbr type bridge"});
  auto deleted = run_ip_batch(ip, "", {"netns delete " + probe});
  if (!links.ok) return "veth or bridge interfaces unsupported: " + links.error;
  if (!deleted.ok) return "network namespaces cannot be deleted: " + deleted.error;
  return "";
}

}  // namespace wsfo::stack
