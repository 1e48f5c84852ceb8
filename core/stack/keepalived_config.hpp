#pragma once
// keepalived.conf for one gateway node of a scenario (docs/real-stack.md):
// the real-stack engine plays the scenario's VIPs with keepalived, one
// vrrp_instance per VIP the node carries, derived as the emulation derives
// its agent (vrrp::agent_config_for_node), so both stacks play the same VIPs.
#include <string>

#include "core/scenario/scenario.hpp"
#include "core/stack/nginx_config.hpp"

namespace wsfo::stack {

struct KeepalivedFiles {
  std::string interface = "eth0";  // the node namespace's link to the bridge
  std::string notify_command;      // keepalived appends: "INSTANCE" <name> <state> <priority>; "": no notify
  std::string check_command;       // the track script: exits 0 while the node's nginx runs
};

// One vrrp_instance per scenario VIP whose priorities list `node`, all
// unicast between the listed nodes' mapped addresses. "" with `error` naming
// the first thing keepalived cannot express (a track interval that is not
// whole seconds, a weight outside -253..253, a name keepalived would read as
// syntax, ...), or when the node carries no VIP.
//
// The commands are split into words by keepalived as a shell would (quotes
// group, backslash escapes); they are not run by a shell.
std::string render_keepalived_config(const scenario::Scenario& scenario, const scenario::Node& node,
                                     const AddressMapper& map, const KeepalivedFiles& files, std::string& error);

// The track script's command for a node whose nginx writes `pid_file`: exits
// 0 while that nginx master lives: the pid file names a process that is
// nginx and neither a zombie nor dead. After a SIGKILL the pid file stays
// behind with a stale pid (maybe reused, maybe an unreaped zombie): that
// fails. `pid_file` must pass check_config_word.
std::string nginx_check_command(const std::string& pid_file);

}  // namespace wsfo::stack
