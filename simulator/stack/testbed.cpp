#include "simulator/stack/testbed.hpp"

#include <arpa/inet.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "core/stack/address_map.hpp"
#include "simulator/stack/netns_command.hpp"

namespace wsfo::stack {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// "node server1" → "node-server1": namespace names become file names under /run/netns.
std::string role_in_name(const std::string& role) {
  std::string text = role;
  for (char& c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (!plain) c = '-';
  }
  return text;
}

bool is_ipv4(const std::string& text) {
  in_addr parsed{};
  return inet_pton(AF_INET, text.c_str(), &parsed) == 1;
}

constexpr const char* kBridge = "br0";
constexpr const char* kVrrpTable = "wsfo_vrrp";

}  // namespace

std::unique_ptr<Testbed> Testbed::build(const std::vector<NamespaceSpec>& spec, const TestbedOwner& owner,
                                        std::string& error) {
  auto start = Clock::now();
  if (spec.empty()) {
    error = "testbed: no namespace to build";
    return nullptr;
  }
  std::unique_ptr<Testbed> bed(new Testbed);
  bed->torn_down_ = true;  // until it has built something: nothing of another testbed is ever deleted
  bed->ip_ = find_system_tool("ip");
  if (bed->ip_.empty()) {
    error = "testbed: no `ip` command (Debian package iproute2)";
    return nullptr;
  }
  std::string prefix = namespace_prefix(owner);
  bed->bridge_namespace_ = prefix + "br";
  std::set<std::string> names = {bed->bridge_namespace_};
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const NamespaceSpec& item = spec[i];
    Member member{item, prefix + role_in_name(item.role), "v" + std::to_string(i), {}};
    if (item.role.empty()) {
      error = "testbed: namespace " + std::to_string(i + 1) + " has no role";
      return nullptr;
    }
    if (!names.insert(member.name).second) {
      error = "testbed: role '" + item.role + "' gives the namespace name " + member.name + ", already taken";
      return nullptr;
    }
    for (const auto& address : item.addresses) {
      if (!is_ipv4(address)) {
        error = "testbed: address '" + address + "' of " + item.role + " is not an IPv4 address";
        return nullptr;
      }
    }
    bed->members_.push_back(std::move(member));
  }
  for (const auto& name : names) {
    if (namespace_exists(name)) {
      error = "testbed: namespace " + name + " already exists (this owner's testbed is still up)";
      return nullptr;
    }
  }
  bed->torn_down_ = false;
  std::string problem = bed->build_all();
  if (!problem.empty()) {
    std::string cleanup = bed->teardown();
    error = "testbed: " + problem + (cleanup.empty() ? "" : "; and tearing down: " + cleanup);
    return nullptr;
  }
  bed->build_time_ = since(start);
  return bed;
}

std::string Testbed::build_all() {
  std::vector<std::string> lines = {"netns add " + bridge_namespace_};
  for (const auto& member : members_) lines.push_back("netns add " + member.name);
  // Each end is created in its namespace: no interface ever appears on the host, not even for a moment.
  for (const auto& member : members_) {
    lines.push_back("link add " + member.bridge_port + " netns " + bridge_namespace_ +
                    " type veth peer name eth0 netns " + member.name);
  }
  if (auto result = run_ip_batch(ip_, "", lines); !result.ok)
    return "creating the namespaces and veths failed: " + result.error;

  std::string sysctl = find_system_tool("sysctl");
  if (sysctl.empty()) return "no `sysctl` command (Debian package procps)";
  // IPv6 off: no router solicitations, MLD or DAD chatter on the bridge. promote_secondaries: deleting one
  // address of eth0 (a VIP moving away) does not take the others with it.
  std::vector<std::string> common = {"-q", "-e", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                                     "net.ipv6.conf.default.disable_ipv6=1"};
  std::vector<std::string> bridge_sysctl = {ip_, "netns", "exec", bridge_namespace_, sysctl};
  bridge_sysctl.insert(bridge_sysctl.end(), common.begin(), common.end());
  if (auto result = run_command(bridge_sysctl); !result.ok)
    return "setting sysctls of the bridge failed: " + result.error;
  for (const auto& member : members_) {
    std::vector<std::string> command = {sysctl};
    command.insert(command.end(), common.begin(), common.end());
    command.insert(command.end(),
                   {"net.ipv4.conf.all.promote_secondaries=1", "net.ipv4.conf.eth0.promote_secondaries=1"});
    if (member.spec.nonlocal_bind) command.push_back("net.ipv4.ip_nonlocal_bind=1");
    if (auto problem = run_in(member, command); !problem.empty())
      return "setting sysctls of " + member.spec.role + " failed: " + problem;
  }

  // Forward delay 0: ports forward at once. No multicast snooping: VRRP adverts (224.0.0.18) reach every port.
  lines = {"link set lo up", std::string("link add ") + kBridge + " type bridge forward_delay 0 mcast_snooping 0"};
  for (const auto& member : members_) {
    lines.push_back("link set " + member.bridge_port + " master " + kBridge);
    lines.push_back("link set " + member.bridge_port + " up");
  }
  lines.push_back(std::string("link set ") + kBridge + " up");
  if (auto result = run_ip_batch(ip_, bridge_namespace_, lines); !result.ok)
    return "setting up the bridge failed: " + result.error;

  for (const auto& member : members_) {
    lines = {"link set lo up", "link set eth0 up"};
    for (const auto& line : address_lines(member)) lines.push_back(line);
    for (const auto& range : member.spec.local_ranges) lines.push_back("route add local " + range + " dev lo");
    // Without an address of its own, the namespace still reaches the others from its local ranges.
    if (member.spec.addresses.empty()) lines.push_back("route add 198.18.0.0/15 dev eth0");
    if (auto result = run_ip_batch(ip_, member.name, lines); !result.ok)
      return "setting up " + member.spec.role + " failed: " + result.error;
  }
  return "";
}

Testbed::~Testbed() { teardown(); }

const Testbed::Member* Testbed::find(const std::string& role) const {
  for (const auto& member : members_)
    if (member.spec.role == role) return &member;
  return nullptr;
}

Testbed::Member* Testbed::find(const std::string& role) {
  return const_cast<Member*>(static_cast<const Testbed*>(this)->find(role));
}

std::string Testbed::namespace_of(const std::string& role) const {
  const Member* member = find(role);
  return member ? member->name : "";
}

std::vector<std::string> Testbed::exec_prefix(const std::string& role) const {
  const Member* member = find(role);
  if (!member) return {};
  return {ip_, "netns", "exec", member->name};
}

std::string Testbed::run_in(const Member& member, const std::vector<std::string>& command) const {
  std::vector<std::string> argv = {ip_, "netns", "exec", member.name};
  argv.insert(argv.end(), command.begin(), command.end());
  auto result = run_command(argv);
  return result.ok ? "" : result.error;
}

std::vector<std::string> Testbed::address_lines(const Member& member) const {
  std::vector<std::string> lines;
  for (const auto& address : member.spec.addresses)
    lines.push_back("addr add " + address + "/" + std::to_string(AddressMap::kPrefixLength) + " dev eth0");
  return lines;
}

std::string Testbed::set_link(const std::string& role, bool up) {
  const Member* member = find(role);
  if (!member) return "testbed: no namespace for '" + role + "'";
  if (torn_down_) return "testbed: already torn down";
  auto result = run_command({ip_, "-n", bridge_namespace_, "link", "set", member->bridge_port, up ? "up" : "down"});
  return result.ok ? "" : "testbed: setting the link of " + role + (up ? " up" : " down") + " failed: " + result.error;
}

std::string Testbed::reset_addresses(const std::string& role) {
  const Member* member = find(role);
  if (!member) return "testbed: no namespace for '" + role + "'";
  if (torn_down_) return "testbed: already torn down";
  std::vector<std::string> lines = {"addr flush dev eth0"};
  for (const auto& line : address_lines(*member)) lines.push_back(line);
  auto result = run_ip_batch(ip_, member->name, lines);
  return result.ok ? "" : "testbed: resetting the addresses of " + role + " failed: " + result.error;
}

std::string Testbed::block_vrrp(const std::string& role, const std::string& peer, bool block) {
  Member* member = find(role);
  if (!member) return "testbed: no namespace for '" + role + "'";
  if (torn_down_) return "testbed: already torn down";
  if (!is_ipv4(peer)) return "testbed: VRRP peer '" + peer + "' is not an IPv4 address";
  std::string nft = find_system_tool("nft");
  if (nft.empty()) return "testbed: no `nft` command (Debian package nftables)";
  std::set<std::string> peers = member->vrrp_blocked_peers;
  if (block) {
    peers.insert(peer);
  } else {
    peers.erase(peer);
  }
  // The whole table is rewritten in one transaction: adding it first makes the delete safe when it is absent.
  std::string table = std::string("ip ") + kVrrpTable;
  std::string script = "add table " + table + "; delete table " + table + ";";
  if (!peers.empty()) {
    std::string list;
    for (const auto& address : peers) list += (list.empty() ? "" : ", ") + address;
    script += "\ntable " + table + " {\n" +
              "chain input { type filter hook input priority 0; policy accept; ip protocol vrrp ip saddr { " + list +
              " } drop; }\n" +
              "chain output { type filter hook output priority 0; policy accept; ip protocol vrrp ip daddr { " + list +
              " } drop; }\n}\n";
  }
  if (auto problem = run_in(*member, {nft, script}); !problem.empty())
    return "testbed: " + std::string(block ? "blocking" : "unblocking") + " VRRP with " + peer + " in " + role +
           " failed: " + problem;
  member->vrrp_blocked_peers = std::move(peers);
  return "";
}

std::vector<pid_t> Testbed::pids(const std::string& role) const {
  const Member* member = find(role);
  return member ? pids_in_namespace(member->name) : std::vector<pid_t>{};
}

std::string Testbed::kill_all(const std::string& role, int signal) {
  const Member* member = find(role);
  if (!member) return "testbed: no namespace for '" + role + "'";
  for (pid_t pid : pids_in_namespace(member->name)) {
    if (kill(pid, signal) != 0 && errno != ESRCH)
      return "testbed: signal " + std::to_string(signal) + " to pid " + std::to_string(pid) + " in " + role +
             " failed: " + std::strerror(errno);
  }
  return "";
}

std::string Testbed::teardown() {
  std::lock_guard lock(teardown_mutex_);
  if (torn_down_) return "";
  torn_down_ = true;
  auto start = Clock::now();
  std::vector<std::string> names;
  for (const auto& member : members_) names.push_back(member.name);
  names.push_back(bridge_namespace_);
  std::string problem = kill_and_delete_namespaces(ip_, names);
  teardown_time_ = since(start);
  return problem.empty() ? "" : "testbed: teardown: " + problem;
}

}  // namespace wsfo::stack
