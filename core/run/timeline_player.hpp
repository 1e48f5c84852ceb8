#pragma once
// Plays a scenario's timeline, whatever the engine: waits for each action's
// time on the run's clock, opens its window, hands the action to the
// engine's Nemesis (or, for a cutover, runs core's cutover workflow through
// the engine's GatewayAdmin), and keeps the bookkeeping both engines need in
// the same form: windows and their end times, notes, action errors, cutover
// results, the rules in force and the scenario as reloads changed it.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/cutover/cutover_workflow.hpp"
#include "core/run/nemesis.hpp"
#include "core/run/run_record.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::run {

// The bookkeeping the player keeps, also used to rebuild a played run from its
// history and scenario (run_file.hpp), so both build windows the same way.
// The window of timeline event `index`, opened at `start_ns` (its end is set by close_windows).
checks::EventWindow open_window(const scenario::Scenario& scenario, std::size_t index, std::int64_t start_ns);
// Each window ends where the next starts; the last at `end_ns`.
void close_windows(std::vector<checks::EventWindow>& windows, std::int64_t end_ns);
// The timeline events from `played` on, with their windows where they were
// planned, for a run that started at `start_ns` and was stopped.
std::vector<checks::EventWindow> unplayed_windows(const scenario::Scenario& scenario, std::size_t played,
                                                  std::int64_t start_ns);
// Each VRRP instance's advert interval, by VIP name.
std::map<std::string, std::int64_t> advert_intervals(const scenario::Scenario& scenario);

struct Engine {
  Nemesis& nemesis;
  cutover::GatewayAdmin& admin;
  RunClock& clock;
  std::vector<cutover::GatewayRef> gateways;  // every gateway node, as `admin` reaches it
  // Lines for the user (what each cutover did, why an action failed); may be empty.
  std::function<void(const std::string&)> say;
};

class TimelinePlayer {
 public:
  TimelinePlayer(const scenario::Scenario& scenario, Engine engine);

  // Plays every action, then waits for the scenario's end. Fills the record's
  // start and end times, windows, cutovers, notes and rules after. When the
  // clock says a stop was requested, ends at once: the record is marked
  // interrupted (its cause left to the engine) with the events not played.
  void play(RunRecord& record);

  const routing::RuleSet& active_rules() const { return reloaded_.rules; }

 private:
  // End times of the windows, rules after, and the interruption if any.
  void finish(RunRecord& record, std::size_t played);
  std::string perform(std::size_t index, const scenario::Action& action, RunRecord& record);
  std::string cutover(std::size_t index, const scenario::Cutover& cutover, RunRecord& record);
  void say(const std::string& line) const;

  const scenario::Scenario& scenario_;
  Engine engine_;
  scenario::Scenario reloaded_;  // units as reloads changed them, with the rules in force
};

}  // namespace wsfo::run
