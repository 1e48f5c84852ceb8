#pragma once
// The timeline's faults on the real stack, as they happen to real hosts:
// a kill is SIGKILL of every process in the node's namespace (nginx master
// and workers, keepalived and its children); a power-off takes the node's
// link down first, so nothing it had open hears of its death; stop-gateway
// and start-gateway stop (SIGTERM, nginx's fast stop) and start nginx, which
// keepalived's track script sees; a reload re-renders nginx.conf and sends
// SIGHUP (nginx -s reload); a partition drops VRRP between two nodes with
// nftables inside their namespaces.
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "core/run/nemesis.hpp"
#include "simulator/live/action_log.hpp"
#include "simulator/live/live_parts.hpp"
#include "simulator/stack/stack_plan.hpp"
#include "simulator/stack/testbed.hpp"

namespace wsfo::stack {

class StackNemesis : public run::Nemesis {
 public:
  StackNemesis(StackPlan& plan, Testbed& testbed, live::Parts& parts, std::vector<std::string>& events_files,
               std::chrono::milliseconds ready_timeout, std::ostream& log)
      : plan_(plan),
        testbed_(testbed),
        parts_(parts),
        events_files_(events_files),
        ready_timeout_(ready_timeout),
        log_(log) {}

  live::ActionLog& actions() { return actions_; }

  // Starts the node's nginx and waits until it has written its pid file
  // (its listeners are open then), then its keepalived.
  std::string start_node(const NodeProcesses& node);
  std::string start_nginx(const NodeProcesses& node);

  void action_started(std::size_t index, const std::string& name, std::int64_t at_ns) override;
  std::string kill_node(const scenario::KillNode& kill) override;
  std::string power_off(const scenario::PowerOff& off) override;
  std::string restore_node(const scenario::RestoreNode& restore) override;
  std::string stop_gateway(const scenario::StopGateway& stop) override;
  std::string start_gateway(const scenario::StartGateway& start) override;
  std::string kill_backend(const scenario::BackendKill& kill) override;
  std::string restore_backend(const scenario::BackendRestore& restore) override;
  std::string add_backend(const scenario::BackendAdd& add, const scenario::Scenario& reloaded) override;
  std::string remove_backend(const scenario::BackendRemove& remove, const scenario::Scenario& reloaded) override;
  std::string partition(const scenario::Partition& partition) override;
  std::string heal(const scenario::Heal& heal) override;
  std::string add_clients(const scenario::ClientsAdd& add) override;
  // Plain nginx has no admin API: such scenarios are refused before the run
  // starts (core/stack/stack_support), so these only say why if ever reached.
  std::string admin_unreachable(const scenario::AdminUnreachable& fault) override { return no_admin_api(fault.node); }
  std::string admin_slow(const scenario::AdminSlow& fault) override { return no_admin_api(fault.node); }
  std::string admin_restore(const scenario::AdminRestore& restore) override { return no_admin_api(restore.node); }
  // Plain nginx has no rules and no admin API.
  std::map<std::string, std::optional<std::uint64_t>> gateway_versions() override { return {}; }

 private:
  const NodeProcesses* node(const std::string& name, std::string& error) const;
  static std::string no_admin_api(const std::string& node) {
    return "node " + node + " runs plain nginx, which has no admin API";
  }
  std::string kill_everything(const NodeProcesses& node);
  std::string block_vrrp(const std::string& a, const std::string& b, bool block);
  std::string reload_unit(const scenario::Scenario& reloaded, const std::string& unit);

  StackPlan& plan_;
  Testbed& testbed_;
  live::Parts& parts_;
  std::vector<std::string>& events_files_;
  std::chrono::milliseconds ready_timeout_;
  std::ostream& log_;
  live::ActionLog actions_;
  std::set<std::string> powered_off_;
};

}  // namespace wsfo::stack
