#include "core/run/timeline_player.hpp"

#include <chrono>
#include <variant>

namespace wsfo::run {

namespace {

// std::visit over a set of lambdas, with no catch-all: an action kind added to
// scenario::Action and not handled here is a compile error.
template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

std::int64_t to_ns(scenario::Duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }

}  // namespace

checks::EventWindow open_window(const scenario::Scenario& scenario, std::size_t index, std::int64_t start_ns) {
  const scenario::TimelineEvent& event = scenario.timeline.at(index);
  checks::EventWindow window;
  window.index = index;
  window.name = scenario::action_name(event.action);
  window.start_ns = start_ns;
  window.expect = event.expect;
  if (auto* kill = std::get_if<scenario::KillNode>(&event.action)) window.node_down = kill->node;
  if (auto* off = std::get_if<scenario::PowerOff>(&event.action)) window.node_down = off->node;
  return window;
}

void close_windows(std::vector<checks::EventWindow>& windows, std::int64_t end_ns) {
  for (std::size_t i = 0; i < windows.size(); ++i)
    windows[i].end_ns = i + 1 < windows.size() ? windows[i + 1].start_ns : end_ns;
}

std::vector<checks::EventWindow> unplayed_windows(const scenario::Scenario& scenario, std::size_t played,
                                                  std::int64_t start_ns) {
  std::vector<checks::EventWindow> unplayed;
  for (std::size_t i = played; i < scenario.timeline.size(); ++i)
    unplayed.push_back(open_window(scenario, i, start_ns + to_ns(scenario.timeline[i].at)));  // where it was planned
  close_windows(unplayed, start_ns + to_ns(scenario.duration));
  return unplayed;
}

std::map<std::string, std::int64_t> advert_intervals(const scenario::Scenario& scenario) {
  std::map<std::string, std::int64_t> advert_ns;
  for (const auto& unit : scenario.units)
    for (const auto& vip : unit.vips) advert_ns[vip.name] = to_ns(vip.advert_interval);
  return advert_ns;
}

TimelinePlayer::TimelinePlayer(const scenario::Scenario& scenario, Engine engine)
    : scenario_(scenario), engine_(std::move(engine)), reloaded_(scenario) {}

void TimelinePlayer::say(const std::string& line) const {
  if (engine_.say) engine_.say(line);
}

void TimelinePlayer::play(RunRecord& record) {
  const std::int64_t start = engine_.clock.now_ns();
  record.start_ns = start;
  record.advert_ns = advert_intervals(scenario_);
  for (std::size_t i = 0; i < scenario_.timeline.size(); ++i) {
    const scenario::TimelineEvent& event = scenario_.timeline[i];
    engine_.clock.sleep_until_ns(start + to_ns(event.at));
    if (engine_.clock.stop_requested()) return finish(record, i);
    const std::int64_t at = engine_.clock.now_ns();
    const std::string name = scenario::action_name(event.action);
    engine_.nemesis.action_started(i, name, at);
    record.windows.push_back(open_window(scenario_, i, at));
    if (std::string error = perform(i, event.action, record); !error.empty()) {
      say("  error: " + error);
      record.notes.push_back("#" + std::to_string(i) + " " + name + ": " + error);
      record.windows.back().action_error = error;
    }
    if (event.expect.same_version || std::holds_alternative<scenario::Cutover>(event.action))
      record.windows.back().versions_after = engine_.nemesis.gateway_versions();
  }
  engine_.clock.sleep_until_ns(start + to_ns(scenario_.duration));
  finish(record, scenario_.timeline.size());
}

void TimelinePlayer::finish(RunRecord& record, std::size_t played) {
  const std::int64_t planned_end = record.start_ns + to_ns(scenario_.duration);
  record.end_ns = engine_.clock.now_ns();
  if (engine_.clock.stop_requested() && record.end_ns < planned_end) {
    Interruption interruption;
    interruption.at_ns = record.end_ns;
    interruption.planned_end_ns = planned_end;
    interruption.timeline_cut = true;
    interruption.unplayed = unplayed_windows(scenario_, played, record.start_ns);
    say("  stopped at +" + std::to_string((record.end_ns - record.start_ns) / 1'000'000) + " ms: " +
        std::to_string(played) + " of " + std::to_string(scenario_.timeline.size()) + " timeline events played");
    record.interrupted = std::move(interruption);
  }
  close_windows(record.windows, record.end_ns);
  record.rules_after = reloaded_.rules;
}

std::string TimelinePlayer::perform(std::size_t index, const scenario::Action& action, RunRecord& record) {
  Nemesis& n = engine_.nemesis;
  return std::visit(Overloaded{
                        [&](const scenario::Cutover& c) { return cutover(index, c, record); },
                        [&](const scenario::KillNode& k) { return n.kill_node(k); },
                        [&](const scenario::PowerOff& o) { return n.power_off(o); },
                        [&](const scenario::StopGateway& s) { return n.stop_gateway(s); },
                        [&](const scenario::StartGateway& s) { return n.start_gateway(s); },
                        [&](const scenario::RestoreNode& r) { return n.restore_node(r); },
                        [&](const scenario::BackendKill& b) { return n.kill_backend(b); },
                        [&](const scenario::BackendRestore& b) { return n.restore_backend(b); },
                        [&](const scenario::BackendAdd& a) {
                          std::string error = scenario::apply_reload(reloaded_, a);
                          return error.empty() ? n.add_backend(a, reloaded_) : error;
                        },
                        [&](const scenario::BackendRemove& r) {
                          std::string error = scenario::apply_reload(reloaded_, r);
                          return error.empty() ? n.remove_backend(r, reloaded_) : error;
                        },
                        [&](const scenario::Partition& p) { return n.partition(p); },
                        [&](const scenario::Heal& h) { return n.heal(h); },
                        [&](const scenario::ClientsAdd& c) { return n.add_clients(c); },
                        [&](const scenario::AdminUnreachable& a) { return n.admin_unreachable(a); },
                        [&](const scenario::AdminSlow& a) { return n.admin_slow(a); },
                        [&](const scenario::AdminRestore& a) { return n.admin_restore(a); },
                        [&](const scenario::Wait&) { return std::string(); },  // the window alone is the point
                    },
                    action);
}

std::string TimelinePlayer::cutover(std::size_t index, const scenario::Cutover& c, RunRecord& record) {
  cutover::Options options;
  options.fence = c.fence;
  options.catch_up = c.catch_up;
  options.skew = c.skew;
  options.skip.insert(c.skip.begin(), c.skip.end());
  options.step_deadline = c.step_deadline;
  cutover::CutoverWorkflow workflow(engine_.gateways, reloaded_.rules, c.rules, options, engine_.admin);
  cutover::CutoverResult result = workflow.execute();
  say("  cutover v" + std::to_string(result.from_version) + " -> v" + std::to_string(result.to_version) + ": " +
      std::string(cutover::to_string(result.outcome)) + (result.reason.empty() ? "" : " (" + result.reason + ")"));
  if (result.outcome == cutover::Outcome::committed) reloaded_.rules = c.rules;
  record.windows.back().cutover_outcome = std::string(cutover::to_string(result.outcome));
  record.cutovers[index] = std::move(result);
  return {};
}

}  // namespace wsfo::run
