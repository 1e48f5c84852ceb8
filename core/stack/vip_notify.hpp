#pragma once
// `wsfo vip-notify`'s pure part (docs/real-stack.md): keepalived's notify
// arguments "INSTANCE <name> <state> <priority>" → the `vip` history event
// the emulation writes for the same transition (core/vrrp/vrrp_events), so
// checks and reports read a real-stack run as an emulated one.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::stack {

// The emulation's state before its first transition: where `from` starts.
inline constexpr const char* kInitialVipState = "INITIALIZE";
// The `reason` of every event written from a keepalived notify.
inline constexpr const char* kNotifyReason = "keepalived notify";

struct VipNotification {
  std::string instance;  // the vrrp_instance name: the scenario's VIP name
  std::string to;        // in the emulation's spelling (vrrp::to_string(State))
  std::int64_t priority = 0;
};

// keepalived's state word → the emulation's: MASTER, BACKUP and FAULT as
// they are; STOP (keepalived shutting down) and DELETED (an instance removed
// by a reload) → INITIALIZE, what the emulation enters on shutdown. nullopt
// for anything else.
std::optional<std::string> emulation_state(const std::string& keepalived_state);

// The four trailing arguments keepalived appends; nullopt with a one-line
// `error` for a wrong count, a GROUP notification (no sync groups are
// rendered), an empty name, an unknown state or a priority that is not an
// integer in 0-255.
std::optional<VipNotification> parse_vip_notify(const std::vector<std::string>& args, std::string& error);

// The `vip` event as one JSON line with its newline (history::append_line):
// source and node `node`, instance = the instance name, vip = its addresses
// as the emulation writes them (keepalived's notify knows the name only: the
// rendered notify command passes them; empty: the name), `from` the previous
// state of (node, instance).
std::string vip_event_line(const VipNotification& notification, const std::string& node, const std::string& from,
                           const std::string& vip_addresses, std::int64_t t_ns);

// Where vip-notify remembers a node's last transitions: one file per node,
// since the nodes notify concurrently. Removed when the node is restored.
std::string vip_notify_state_file(const std::string& state_dir, const std::string& node);

}  // namespace wsfo::stack
