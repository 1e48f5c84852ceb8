#pragma once
// The timeline's faults on real processes: a kill is SIGKILL, a stopped
// gateway, a partition and an unreachable or slow admin API are asked of the
// node's admin API (POST /faults; SIGUSR1 restores the admin API),
// a reload rewrites the unit's gateway configs and asks each to re-read it.
#include <ostream>
#include <string>
#include <vector>

#include "core/cutover/cutover_workflow.hpp"
#include "core/history/event.hpp"
#include "core/run/nemesis.hpp"
#include "simulator/live/action_log.hpp"
#include "simulator/live/live_parts.hpp"
#include "simulator/live/live_plan.hpp"

namespace wsfo::live {

class LiveNemesis : public run::Nemesis {
 public:
  LiveNemesis(const scenario::Scenario& scenario, const LivePlan& plan, const std::string& run_dir, Parts& parts,
              std::vector<std::string>& events_files, std::ostream& log)
      : scenario_(scenario), plan_(plan), run_dir_(run_dir), parts_(parts), events_files_(events_files), log_(log) {}

  void set_start_ns(std::int64_t start_ns) { actions_.set_start_ns(start_ns); }
  // The bearer token of the gateways' admin APIs.
  void set_admin_token(std::string token) { admin_token_ = std::move(token); }
  // The orchestrator's own records (one `action` per timeline event).
  const std::vector<history::Event>& own_events() const { return actions_.events(); }

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
  std::string admin_unreachable(const scenario::AdminUnreachable& fault) override;
  std::string admin_slow(const scenario::AdminSlow& fault) override;
  std::string admin_restore(const scenario::AdminRestore& restore) override;
  std::map<std::string, std::optional<std::uint64_t>> gateway_versions() override;

 private:
  const GatewayPlan* find_gateway(const std::string& node) const;
  std::string post_faults(const std::string& node, const std::string& body);
  std::string drop_adverts(const std::string& node, const std::string& peer_node, bool drop);
  std::string drop_adverts_both(const std::string& a, const std::string& b, bool drop);
  std::string reload_unit(const scenario::Scenario& reloaded, const scenario::Unit& unit);

  const scenario::Scenario& scenario_;
  const LivePlan& plan_;
  const std::string& run_dir_;
  Parts& parts_;
  std::vector<std::string>& events_files_;
  std::ostream& log_;
  ActionLog actions_;
  std::string admin_token_;
};

std::vector<cutover::GatewayRef> gateway_refs(const LivePlan& plan);

}  // namespace wsfo::live
