#include "simulator/stack/stack_plan.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/stack/address_map.hpp"
#include "core/stack/keepalived_config.hpp"
#include "core/stack/nginx_config.hpp"

namespace wsfo::stack {

namespace {

// The scenario is already mapped: its addresses are the testbed's.
std::string same_address(const std::string& address) { return address; }

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  return out ? std::string() : "cannot write " + path;
}

void prefix(live::ProcessPlan& process, const std::vector<std::string>& netns_exec, const std::string& program) {
  process.program = netns_exec;
  process.program.push_back(program);
}

}  // namespace

std::string node_role(const std::string& node) { return "node " + node; }

const NodeProcesses* StackPlan::find_node(const std::string& node) const {
  for (const auto& n : nodes)
    if (n.node == node) return &n;
  return nullptr;
}

StackPlan make_stack_plan(const scenario::Scenario& mapped, const std::string& run_dir, const StackBinaries& binaries,
                          const std::set<std::string>& verbose_groups) {
  StackPlan plan;
  plan.mapped = mapped;
  plan.run_dir = run_dir;
  plan.binaries = binaries;
  plan.live = live::make_live_plan(mapped, run_dir, verbose_groups, &AddressMap::clients_source_net);
  plan.live.gateways.clear();

  NamespaceSpec backends{kBackendsRole, {}, {}, false};
  for (const auto& unit : mapped.units) {
    for (const auto& backend : unit.backends) backends.addresses.push_back(backend.address);
    for (const auto& node : unit.nodes) {
      NodeProcesses n;
      n.node = node.name;
      n.unit = unit.name;
      n.dir = run_dir + "/stack/" + node.name;
      n.nginx_conf = n.dir + "/nginx.conf";
      n.nginx_pid = n.dir + "/nginx.pid";
      n.keepalived_conf = n.dir + "/keepalived.conf";
      n.vip_events_file = live::vrrp_events_file(run_dir, node.name);
      n.nginx.name = "nginx " + node.name;
      // -e: the error log before the config is read (else /var/log/nginx).
      n.nginx.args = {"-p", n.dir + "/", "-c", n.nginx_conf, "-e", n.dir + "/nginx.error.log"};
      n.nginx.program = {binaries.nginx};
      n.keepalived.name = "keepalived " + node.name;
      // Its own pid files, so one keepalived per node namespace runs side by side.
      n.keepalived.args = {"--dont-fork",        "--log-console",       "--vrrp",          "--use-file", n.keepalived_conf,
                           "--pid",              n.dir + "/keepalived.pid", "--vrrp_pid", n.dir + "/vrrp.pid",
                           "--checkers_pid",     n.dir + "/checkers.pid"};
      n.keepalived.program = {binaries.keepalived};
      n.keepalived.stdout_to_log = true;
      // Its own address only: keepalived adds and removes the VIPs.
      plan.namespaces.push_back({node_role(node.name), {node.address}, {}, true});
      plan.nodes.push_back(std::move(n));
    }
  }
  for (const auto& event : mapped.timeline)  // a backend the timeline adds listens in the same namespace
    if (const auto* add = std::get_if<scenario::BackendAdd>(&event.action))
      if (std::find(backends.addresses.begin(), backends.addresses.end(), add->backend.address) ==
          backends.addresses.end())
        backends.addresses.push_back(add->backend.address);
  plan.namespaces.push_back(std::move(backends));

  NamespaceSpec clients{kClientsRole, {}, {}, false};
  std::size_t processes = plan.live.clients.size();
  for (const auto& [group, wave] : plan.live.waves) processes += wave.size();
  for (std::size_t i = 0; i < processes && i < 100; ++i) clients.local_ranges.push_back(AddressMap::clients_source_net(i));
  for (const auto& group : mapped.clients)
    if (group.address) clients.addresses.push_back(*group.address);
  plan.namespaces.push_back(std::move(clients));
  return plan;
}

void place_in_namespaces(StackPlan& plan, const Testbed& testbed) {
  for (auto& b : plan.live.backends) prefix(b.process, testbed.exec_prefix(kBackendsRole), plan.binaries.wsfo);
  for (auto& c : plan.live.clients) prefix(c.process, testbed.exec_prefix(kClientsRole), plan.binaries.wsfo);
  for (auto& [group, wave] : plan.live.waves)
    for (auto& c : wave) prefix(c.process, testbed.exec_prefix(kClientsRole), plan.binaries.wsfo);
  for (auto& n : plan.nodes) {
    prefix(n.nginx, testbed.exec_prefix(node_role(n.node)), plan.binaries.nginx);
    prefix(n.keepalived, testbed.exec_prefix(node_role(n.node)), plan.binaries.keepalived);
  }
}

live::ProcessPlan added_backend_process(const StackPlan& plan, const Testbed& testbed,
                                        const scenario::Scenario& reloaded, const scenario::BackendAdd& add) {
  live::ProcessPlan process = live::backend_plan(reloaded, add.unit, add.backend, plan.run_dir).process;
  prefix(process, testbed.exec_prefix(kBackendsRole), plan.binaries.wsfo);
  return process;
}

std::string write_node_configs(const StackPlan& plan, const scenario::Scenario& scenario, const NodeProcesses& node) {
  const scenario::Unit* unit = scenario.find_unit(node.unit);
  const scenario::Node* spec = scenario.find_node(node.node);
  if (!unit || !spec) return "no node " + node.node + " in unit " + node.unit;
  std::error_code fs_error;
  std::filesystem::create_directories(node.dir, fs_error);
  if (fs_error) return "cannot create " + node.dir + ": " + fs_error.message();

  std::string error;
  NginxOptions nginx_options;
  nginx_options.workers = scenario.stack.nginx_workers;
  nginx_options.worker_shutdown_timeout = scenario.stack.worker_shutdown_timeout;
  nginx_options.clients = scenario.client_count();
  NginxFiles nginx_files{node.dir, node.nginx_pid, node.dir + "/nginx.error.log", node.dir + "/nginx.access.log"};
  if (scenario.tls) {  // the run's certificates (live::make_run_certificates), made for the mapped addresses
    nginx_files.tls_certificate = live::node_certificate_file(plan.run_dir, node.node);
    nginx_files.tls_key = live::node_key_file(plan.run_dir, node.node);
    if (scenario.tls_to_backends) nginx_files.backends_ca = live::ca_file(plan.run_dir);
  }
  std::string nginx = render_nginx_config(*unit, *spec, same_address, nginx_files, nginx_options, error);
  if (!error.empty()) return "nginx config of " + node.node + ": " + error;
  if (auto e = write_file(node.nginx_conf, nginx); !e.empty()) return e;

  KeepalivedFiles files;
  files.notify_command = plan.binaries.wsfo + " vip-notify --events " + node.vip_events_file + " --node " + node.node +
                         " --state-dir " + plan.run_dir + "/state";
  files.check_command = nginx_check_command(node.nginx_pid);
  std::string keepalived = render_keepalived_config(scenario, *spec, same_address, files, error);
  if (!error.empty()) return "keepalived config of " + node.node + ": " + error;
  return write_file(node.keepalived_conf, keepalived);
}

}  // namespace wsfo::stack
