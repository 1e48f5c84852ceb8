#include "simulator/stack/stack_nemesis.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/stack/vip_notify.hpp"
#include "process/live_clock.hpp"

namespace wsfo::stack {

namespace {

// nginx writes its pid file once its listeners are open; a stale one (left by
// a SIGKILL) must not count, so it is removed before every start.
bool wait_for_pid_file(const std::string& path, live::Parts& parts, const std::string& part,
                       std::chrono::milliseconds timeout) {
  auto deadline = process::LiveClock::now() + timeout;
  while (process::LiveClock::now() < deadline) {
    std::ifstream in(path);
    long pid = 0;
    if (in >> pid && pid > 0) return true;
    if (!parts.running(part)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string joined(const std::string& a, const std::string& b) {
  return a.empty() || b.empty() ? a + b : a + "; " + b;
}

}  // namespace

const NodeProcesses* StackNemesis::node(const std::string& name, std::string& error) const {
  const NodeProcesses* found = plan_.find_node(name);
  if (!found) error = "no node " + name + " in the stack";
  return found;
}

std::string StackNemesis::start_nginx(const NodeProcesses& node) {
  std::error_code ignored;
  std::filesystem::remove(node.nginx_pid, ignored);
  if (auto error = parts_.start(node.nginx, false); !error.empty()) return error;
  if (wait_for_pid_file(node.nginx_pid, parts_, node.nginx.name, ready_timeout_)) return {};
  return node.nginx.name + ": not serving within " + std::to_string(ready_timeout_.count()) + " ms (see " +
         node.dir + "/nginx.error.log and logs/)";
}

std::string StackNemesis::start_node(const NodeProcesses& node) {
  if (auto error = start_nginx(node); !error.empty()) return error;
  // A SIGKILLed keepalived leaves its pid files, and keepalived 2.2.7 then
  // refuses to start ("daemon is already running").
  for (const char* file : {"/keepalived.pid", "/vrrp.pid", "/checkers.pid"}) {
    std::error_code ignored;
    std::filesystem::remove(node.dir + file, ignored);
  }
  return parts_.start(node.keepalived, false);
}

void StackNemesis::action_started(std::size_t index, const std::string& name, std::int64_t at_ns) {
  actions_.started(index, name, at_ns, log_);
}

std::string StackNemesis::kill_everything(const NodeProcesses& node) {
  std::string error = testbed_.kill_all(node_role(node.node), SIGKILL);
  parts_.expect_death(node.nginx.name);
  parts_.expect_death(node.keepalived.name);
  return error;
}

std::string StackNemesis::kill_node(const scenario::KillNode& kill) {
  std::string error;
  const NodeProcesses* n = node(kill.node, error);
  return n ? kill_everything(*n) : error;
}

// The link goes first: a dead host sends nothing, not even the resets and
// ends of file its kernel would send for processes that die.
std::string StackNemesis::power_off(const scenario::PowerOff& off) {
  std::string error;
  const NodeProcesses* n = node(off.node, error);
  if (!n) return error;
  error = testbed_.set_link(node_role(n->node), false);
  powered_off_.insert(n->node);
  return joined(error, kill_everything(*n));
}

// As after a reboot: the addresses a SIGKILLed keepalived left on the link
// are gone, the link is up, nginx and keepalived start afresh.
std::string StackNemesis::restore_node(const scenario::RestoreNode& restore) {
  std::string error;
  const NodeProcesses* n = node(restore.node, error);
  if (!n) return error;
  kill_everything(*n);  // whatever survived a stop-gateway
  if (auto e = testbed_.reset_addresses(node_role(n->node)); !e.empty()) return e;
  // A killed keepalived wrote no last transition: its successor's first
  // event starts from INITIALIZE, as a restarted emulated agent's does.
  std::error_code ignored;
  std::filesystem::remove(vip_notify_state_file(plan_.run_dir + "/state", n->node), ignored);
  if (powered_off_.erase(n->node))
    if (auto e = testbed_.set_link(node_role(n->node), true); !e.empty()) return e;
  return start_node(*n);
}

std::string StackNemesis::stop_gateway(const scenario::StopGateway& stop) {
  std::string error;
  const NodeProcesses* n = node(stop.node, error);
  if (!n) return error;
  if (!parts_.signal(n->nginx.name, SIGTERM)) return n->nginx.name + " is not running";
  parts_.expect_death(n->nginx.name);
  return {};
}

std::string StackNemesis::start_gateway(const scenario::StartGateway& start) {
  std::string error;
  const NodeProcesses* n = node(start.node, error);
  return n ? start_nginx(*n) : error;
}

std::string StackNemesis::kill_backend(const scenario::BackendKill& kill) {
  parts_.kill("backend " + kill.backend);
  return {};
}

std::string StackNemesis::restore_backend(const scenario::BackendRestore& restore) {
  return parts_.restart("backend " + restore.backend, true);
}

std::string StackNemesis::add_backend(const scenario::BackendAdd& add, const scenario::Scenario& reloaded) {
  if (auto error = parts_.start(added_backend_process(plan_, testbed_, reloaded, add), true); !error.empty())
    return error;
  return reload_unit(reloaded, add.unit);
}

// The backend leaves nginx's upstreams; its process keeps serving what it has.
std::string StackNemesis::remove_backend(const scenario::BackendRemove& remove, const scenario::Scenario& reloaded) {
  return reload_unit(reloaded, remove.unit);
}

// nginx -s reload: new workers with the new upstreams; the old ones keep
// their WebSocket connections until those close or worker_shutdown_timeout.
std::string StackNemesis::reload_unit(const scenario::Scenario& reloaded, const std::string& unit) {
  std::string errors;
  for (const auto& n : plan_.nodes) {
    if (n.unit != unit) continue;
    if (auto error = write_node_configs(plan_, reloaded, n); !error.empty()) {
      errors = joined(errors, error);
      continue;
    }
    if (!parts_.running(n.nginx.name)) {
      log_ << "  " << n.node << "'s nginx is down: its config is rewritten for its next start\n";
      continue;
    }
    parts_.signal(n.nginx.name, SIGHUP);
    log_ << "  " << n.node << ": nginx reloaded (SIGHUP)\n";
  }
  return errors;
}

std::string StackNemesis::block_vrrp(const std::string& a, const std::string& b, bool block) {
  const scenario::Node* node_a = plan_.mapped.find_node(a);
  const scenario::Node* node_b = plan_.mapped.find_node(b);
  if (!node_a || !node_b) return "no node " + (node_a ? b : a);
  return joined(testbed_.block_vrrp(node_role(a), node_b->address, block),
                testbed_.block_vrrp(node_role(b), node_a->address, block));
}

std::string StackNemesis::partition(const scenario::Partition& partition) {
  return block_vrrp(partition.a, partition.b, true);
}

std::string StackNemesis::heal(const scenario::Heal& heal) { return block_vrrp(heal.a, heal.b, false); }

std::string StackNemesis::add_clients(const scenario::ClientsAdd& add) {
  return start_clients_wave(plan_.live, add.group, parts_, events_files_);
}

}  // namespace wsfo::stack
