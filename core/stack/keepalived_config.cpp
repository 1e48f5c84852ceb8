#include "core/stack/keepalived_config.hpp"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "core/stack/config_text.hpp"
#include "core/vrrp/agent_config.hpp"

namespace wsfo::stack {

namespace {

// keepalived reads config lines into a 1024-byte buffer (MAXBUF).
constexpr std::size_t kMaxLine = 1000;
// The vrrp_script weight range of keepalived 2.2.7 (the emulation allows ±254).
constexpr int kMaxScriptWeight = 253;
// preempt_delay's range in keepalived.
constexpr auto kMaxPreemptDelay = std::chrono::seconds(1000);
// The prefix length of every mapped address: the testbed's 198.18.0.0/15.
constexpr int kPrefixLength = 15;

std::string seconds_text(scenario::Duration duration) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  char text[32];
  if (us % 1'000'000 == 0)
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(us / 1'000'000));
  else
    std::snprintf(text, sizeof text, "%.6g", static_cast<double>(us) / 1e6);
  return text;
}

// A double-quoted keepalived string: keepalived strips one level of quotes
// and backslashes, then splits the rest into the command's words.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

bool check_command(const std::string& command, const std::string& what, std::string& error) {
  for (unsigned char c : command) {
    if (c < ' ' || c == 0x7f) {
      error = what + " contains a control character: keepalived reads one line per statement";
      return false;
    }
  }
  if (command.size() + 16 > kMaxLine) {
    error = what + " is " + std::to_string(command.size()) + " characters: keepalived's config lines hold " +
            std::to_string(kMaxLine);
    return false;
  }
  return true;
}

std::string mapped(const AddressMapper& map, const std::string& address, const std::string& what, std::string& error) {
  std::string out = map(address);
  if (out.empty()) {
    error = what + " " + address + " has no mapped address";
    return {};
  }
  if (!check_config_word(out, what + " " + address + "'s mapped address", error)) return {};
  return out;
}

// What keepalived's vrrp_script cannot take from the emulation's track.
bool check_track(const vrrp::AgentInstance& instance, std::string& error) {
  const auto& track = *instance.track;
  const std::string where = "VIP " + instance.name + ": track_gateway ";
  if (track.interval % std::chrono::seconds(1) != scenario::Duration::zero() ||
      track.interval < std::chrono::seconds(1)) {
    error = where + "interval " + seconds_text(track.interval) +
            " s is not a whole number of seconds: keepalived's vrrp_script interval is whole seconds";
    return false;
  }
  if (track.weight < -kMaxScriptWeight || track.weight > kMaxScriptWeight) {
    error = where + "weight " + std::to_string(track.weight) + " is outside keepalived's vrrp_script range -253..253";
    return false;
  }
  return true;
}

bool check_instance(const vrrp::AgentConfig& agent, const vrrp::AgentInstance& instance, std::string& error) {
  if (!check_config_word(instance.name, "VIP name", error)) return false;
  const auto problems = vrrp::validate(vrrp::to_instance_config(agent, instance));
  if (!problems.empty()) {
    error = "VIP " + instance.name + ": " + problems.front();
    return false;
  }
  if (instance.priority >= vrrp::kOwnerPriority) {
    error = "VIP " + instance.name +
            ": priority 255 makes keepalived the address owner, which needs the VIP to be "
            "the node's own address";
    return false;
  }
  if (instance.preempt_delay > kMaxPreemptDelay) {
    error = "VIP " + instance.name + ": preempt_delay " + seconds_text(instance.preempt_delay) +
            " s is beyond keepalived's 1000 s";
    return false;
  }
  return !instance.track || check_track(instance, error);
}

std::string script_name(const vrrp::AgentInstance& instance) { return "gateway_of_" + instance.name; }

void render_script(const vrrp::AgentInstance& instance, const KeepalivedFiles& files, std::ostringstream& out) {
  const auto& track = *instance.track;
  out << "vrrp_script " << script_name(instance) << " {\n"
      << "  script " << quoted(files.check_command) << "\n"
      << "  interval " << std::chrono::duration_cast<std::chrono::seconds>(track.interval).count() << "\n"
      << "  fall " << track.fall << "\n"
      << "  rise " << track.rise << "\n"
      << "  weight " << track.weight << "\n"
      << "}\n\n";
}

bool render_instance(const vrrp::AgentInstance& instance, const std::string& own_address,
                     const std::vector<std::string>& peers, const AddressMapper& map, const KeepalivedFiles& files,
                     std::ostringstream& out, std::string& error) {
  out << "vrrp_instance " << instance.name
      << " {\n"
      // Every node starts as BACKUP and the election decides, as in the emulation.
      << "  state BACKUP\n"
      << "  interface " << files.interface << "\n"
      << "  version " << (instance.variant == vrrp::Variant::rfc5798 ? 3 : 2) << "\n"
      << "  virtual_router_id " << instance.vrid << "\n"
      << "  priority " << instance.priority << "\n"
      << "  advert_int " << seconds_text(instance.advert_interval) << "\n";
  // keepalived refuses preempt_delay next to nopreempt; without preemption it means nothing anyway.
  if (!instance.preempt)
    out << "  nopreempt\n";
  else if (instance.preempt_delay > scenario::Duration::zero())
    out << "  preempt_delay " << seconds_text(instance.preempt_delay) << "\n";
  // Unicast between the listed nodes only, so a partition is a matter of
  // dropping VRRP between two addresses.
  out << "  unicast_src_ip " << own_address << "\n  unicast_peer {\n";
  for (const auto& peer : peers) out << "    " << peer << "\n";
  out << "  }\n  virtual_ipaddress {\n";
  std::string addresses;  // the `vip` field of the history's events, as the emulation writes it
  for (const auto& vip : instance.vips) {
    const std::string address = mapped(map, vip.address, "VIP " + instance.name + " address", error);
    if (address.empty()) return false;
    out << "    " << address << "/" << kPrefixLength << " dev " << files.interface << "\n";
    addresses += (addresses.empty() ? "" : ",") + address;
  }
  out << "  }\n";
  if (instance.track) out << "  track_script {\n    " << script_name(instance) << "\n  }\n";
  if (!files.notify_command.empty())
    out << "  notify " << quoted(files.notify_command + " --vip " + addresses) << "\n";
  out << "}\n\n";
  return true;
}

}  // namespace

std::string render_keepalived_config(const scenario::Scenario& scenario, const scenario::Node& node,
                                     const AddressMapper& map, const KeepalivedFiles& files, std::string& error) {
  error.clear();
  auto agent = vrrp::agent_config_for_node(scenario, node.name, error);
  if (!agent) return {};
  if (agent->instances.empty()) {
    error = "node " + node.name + " is listed in no VIP's priorities: keepalived would have nothing to do";
    return {};
  }
  if (!check_config_word(node.name, "node name", error) ||
      !check_config_word(files.interface, "interface name", error) ||
      !check_command(files.notify_command, "the notify command", error) ||
      !check_command(files.check_command, "the check command", error))
    return {};
  const std::string own_address = mapped(map, agent->address, "node " + node.name + " address", error);
  if (own_address.empty()) return {};

  std::ostringstream scripts;
  std::ostringstream instances;
  for (const auto& instance : agent->instances) {
    if (!check_instance(*agent, instance, error)) return {};
    if (instance.track && files.check_command.empty()) {
      error = "VIP " + instance.name + " tracks the gateway, but no check command was given";
      return {};
    }
    std::vector<std::string> peers;
    for (const auto& peer : instance.peers) {
      peers.push_back(mapped(map, peer, "VIP " + instance.name + " peer", error));
      if (peers.back().empty()) return {};
    }
    if (instance.track) render_script(instance, files, scripts);
    if (!render_instance(instance, own_address, peers, map, files, instances, error)) return {};
  }

  std::ostringstream out;
  out << "# keepalived.conf of node \"" << node.name << "\", rendered by wsfo from scenario \"" << scenario.name
      << "\" (docs/real-stack.md).\n"
      << "global_defs {\n"
      << "  router_id " << node.name
      << "\n"
      // The scripts are wsfo's own and the run's: they run as root, which the
      // testbed runs as. keepalived refuses to run scripts without script
      // security; with it, a script whose path a non-root user can write is
      // disabled, so the wsfo binary must sit in root-owned directories.
      << "  script_user root\n"
      << "  enable_script_security\n"
      << "}\n\n"
      << scripts.str() << instances.str();
  return out.str();
}

std::string nginx_check_command(const std::string& pid_file) {
  // keepalived runs it without a shell, hence sh -c; /proc/PID/stat reads
  // "PID (comm) STATE ...": an nginx process that runs, sleeps or waits on I/O.
  return "/bin/sh -c 'read -r pid < " + pid_file +
         " && read -r _ comm state _ < /proc/$pid/stat && case $comm$state in ?nginx?[RSD]) exit 0;; esac; exit 1'";
}

}  // namespace wsfo::stack
