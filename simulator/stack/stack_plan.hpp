#pragma once
// What `wsfo run` starts on the nginx-keepalived stack, and in which network
// namespace: per gateway node an nginx and a keepalived rendered from the
// scenario, the backends in one namespace, the client fleet in another. The
// plan is built from the mapped scenario (every address already in the
// testbed's range), so the live plan's backends and clients serve as they are.
#include <set>
#include <string>
#include <vector>

#include "core/scenario/scenario.hpp"
#include "simulator/live/live_plan.hpp"
#include "simulator/stack/testbed.hpp"

namespace wsfo::stack {

inline const std::string kBackendsRole = "backends";
inline const std::string kClientsRole = "clients";
std::string node_role(const std::string& node);

struct StackBinaries {
  std::string wsfo;
  std::string nginx = "/usr/sbin/nginx";
  std::string keepalived = "/usr/sbin/keepalived";
};

struct NodeProcesses {
  std::string node;
  std::string unit;
  std::string dir;  // <run dir>/stack/<node>: configs, pid files, nginx's logs and temp files
  std::string nginx_conf;
  std::string nginx_pid;
  std::string keepalived_conf;
  std::string vip_events_file;  // where keepalived's notify script appends `vip` events
  live::ProcessPlan nginx;      // part "nginx <node>"
  live::ProcessPlan keepalived; // part "keepalived <node>"
};

struct StackPlan {
  scenario::Scenario mapped;
  live::LivePlan live;  // its backends and clients; its gateways are not started (nginx stands there)
  std::vector<NodeProcesses> nodes;
  std::vector<NamespaceSpec> namespaces;
  std::string run_dir;
  StackBinaries binaries;

  const NodeProcesses* find_node(const std::string& node) const;
};

StackPlan make_stack_plan(const scenario::Scenario& mapped, const std::string& run_dir, const StackBinaries& binaries,
                          const std::set<std::string>& verbose_groups);

// Every part's program prefixed with `ip netns exec <its namespace>`.
void place_in_namespaces(StackPlan& plan, const Testbed& testbed);

// A backend added by the timeline, placed in the backends' namespace.
live::ProcessPlan added_backend_process(const StackPlan& plan, const Testbed& testbed,
                                        const scenario::Scenario& reloaded, const scenario::BackendAdd& add);

// Renders and writes nginx.conf and keepalived.conf of `node` from `scenario`
// (the mapped one, or the mapped one with reloads applied). "" or why not.
std::string write_node_configs(const StackPlan& plan, const scenario::Scenario& scenario, const NodeProcesses& node);

}  // namespace wsfo::stack
