#pragma once
// The faults and changes a timeline applies to the world, one method per
// action kind (Jepsen's nemesis). Every engine implements all of them: the
// live engine with processes and admin calls, the SimGrid model with hosts
// and links. A new action kind is a new pure virtual here, so an engine that
// does not handle it does not compile. Each method returns an error text
// (empty: done), which the player records against the action.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/scenario/scenario.hpp"

namespace wsfo::run {

class Nemesis {
 public:
  virtual ~Nemesis() = default;

  // Called as each timeline action starts, before it is performed: the
  // engine writes the history's `action` record and may tell the user.
  virtual void action_started(std::size_t index, const std::string& name, std::int64_t at_ns) = 0;

  virtual std::string kill_node(const scenario::KillNode& kill) = 0;
  // The node's host goes dark (its link down): no reset, no end of file.
  virtual std::string power_off(const scenario::PowerOff& off) = 0;
  virtual std::string restore_node(const scenario::RestoreNode& restore) = 0;
  virtual std::string stop_gateway(const scenario::StopGateway& stop) = 0;
  virtual std::string start_gateway(const scenario::StartGateway& start) = 0;
  virtual std::string kill_backend(const scenario::BackendKill& kill) = 0;
  virtual std::string restore_backend(const scenario::BackendRestore& restore) = 0;
  // A graceful reload of the unit's gateways. `reloaded` is the scenario with
  // this and every earlier reload applied, and the rules in force.
  virtual std::string add_backend(const scenario::BackendAdd& add, const scenario::Scenario& reloaded) = 0;
  virtual std::string remove_backend(const scenario::BackendRemove& remove, const scenario::Scenario& reloaded) = 0;
  virtual std::string partition(const scenario::Partition& partition) = 0;
  virtual std::string heal(const scenario::Heal& heal) = 0;
  virtual std::string add_clients(const scenario::ClientsAdd& add) = 0;
  // The node's admin API refuses connections / answers late / is itself
  // again; the gateway keeps serving meanwhile.
  virtual std::string admin_unreachable(const scenario::AdminUnreachable& fault) = 0;
  virtual std::string admin_slow(const scenario::AdminSlow& fault) = 0;
  virtual std::string admin_restore(const scenario::AdminRestore& restore) = 0;

  // What each gateway's admin API answers for its active rules version now
  // (nullopt: it does not answer), by node.
  virtual std::map<std::string, std::optional<std::uint64_t>> gateway_versions() = 0;
};

// The run's one time source: CLOCK_MONOTONIC live, virtual time in the model.
class RunClock {
 public:
  virtual ~RunClock() = default;
  virtual std::int64_t now_ns() = 0;
  // Returns early when a stop is requested.
  virtual void sleep_until_ns(std::int64_t t_ns) = 0;
  // The user asked the run to stop (SIGINT, SIGTERM on a live run): the
  // player ends the timeline where it is. The model's virtual time never is.
  virtual bool stop_requested() { return false; }
};

}  // namespace wsfo::run
