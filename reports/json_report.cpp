// report.json; its schema is documented in docs/report-json.md.
#include <ostream>

#include "core/checks/id_ranges.hpp"
#include "reports/report.hpp"

namespace wsfo::reports {

namespace {

using Json = nlohmann::json;

Json ranges_json(const std::vector<std::uint64_t>& ids) {
  Json out = Json::array();
  for (const auto& r : checks::to_ranges(ids)) out.push_back(Json::array({r.first, r.last}));
  return out;
}

Json cutover_json(const cutover::CutoverResult& c) {
  Json checks = Json::array(), moved = Json::array(), steps = Json::array();
  for (const auto& check : c.checks)
    checks.push_back({{"name", check.name},
                      {"status", cutover::to_string(check.status)},
                      {"attempts", check.attempts},
                      {"detail", check.detail}});
  for (const auto& m : c.moved)
    moved.push_back({{"from", m.from_unit}, {"to", m.to_unit}, {"first", m.first}, {"last", m.last}});
  for (const auto& s : c.steps)
    steps.push_back(
        {{"at_ns", s.at.count()}, {"step", s.step}, {"node", s.node}, {"ok", s.ok}, {"message", s.message}});
  return {{"from_version", c.from_version},
          {"to_version", c.to_version},
          {"outcome", cutover::to_string(c.outcome)},
          {"final_version", c.final_version},
          {"reason", c.reason},
          {"moved", moved},
          {"checks", checks},
          {"steps", steps},
          {"unreachable", c.unreachable},
          {"untouched", c.untouched}};
}

Json takeover_json(const VipFault& fault) {
  const auto& t = fault.takeover;
  return {{"event", t.event},
          {"instance", t.instance},
          {"new_master", t.new_master},
          {"old_master", fault.old_master},
          {"after_ns", t.after_ns},
          {"clients_down", fault.clients_down},
          {"not_back", fault.not_back},
          {"downtime_ns",
           {{"count", fault.downtime.count()},
            {"p50", fault.downtime.percentile(50).count()},
            {"p99", fault.downtime.percentile(99).count()},
            {"max", fault.downtime.max().count()}}},
          {"all_back_after_ns", fault.all_back_after_ns ? Json(*fault.all_back_after_ns) : Json(nullptr)}};
}

Json window_json(const Report& report, std::size_t i) {
  const auto& window = report.run.windows[i];
  const auto& facts = report.analysis.windows[i];
  Json by_cause = Json::object();
  for (const auto& [cause, ids] : facts.disconnected_by_cause) by_cause[cause] = ranges_json(ids);
  const auto& latency = facts.reconnect_latency;
  Json reconnected_to = Json::object();
  std::size_t not_reconnected = 0;
  for (const auto& r : facts.reconnects) {
    if (!r.connected_ns) {
      ++not_reconnected;
      continue;
    }
    reconnected_to[r.unit] = reconnected_to.value(r.unit, 0) + 1;
  }
  Json event = {{"index", window.index},
                {"action", window.name},
                {"at_ns", window.start_ns - report.run.start_ns},
                {"disconnected", {{"count", facts.disconnected.size()}, {"ranges", ranges_json(facts.disconnected)}}},
                {"disconnected_by_cause", by_cause},
                {"reconnect_ns",
                 {{"count", latency.count()},
                  {"p50", latency.percentile(50).count()},
                  {"p99", latency.percentile(99).count()},
                  {"max", latency.max().count()}}},
                {"reconnected_to", reconnected_to},
                {"not_reconnected", not_reconnected},
                {"redirects", facts.redirects},
                {"failed_attempts", facts.failed_attempts},
                {"messages_lost", facts.messages_lost},
                {"dual_service", facts.dual_service.size()}};
  if (auto it = report.run.cutovers.find(window.index); it != report.run.cutovers.end())
    event["cutover"] = cutover_json(it->second);
  return event;
}

// Every split brain of the run, with the timeline events whose windows it overlaps.
Json split_brains_json(const Report& report) {
  Json out = Json::array();
  const RunRecord& run = report.run;
  for (const auto& split : report.analysis.split_brains) {
    Json events = Json::array();
    for (const auto& w : run.windows)
      if (split.from_ns < w.end_ns && split.to_ns > w.start_ns) events.push_back(w.index);
    out.push_back({{"instance", split.instance},
                   {"vip", split.vip},
                   {"nodes", split.nodes},
                   {"from_ns", split.from_ns - run.start_ns},
                   {"to_ns", split.to_ns - run.start_ns},
                   {"duration_ns", split.to_ns - split.from_ns},
                   {"until_end", split.until_end},
                   {"events", events}});
  }
  return out;
}

// null, or how the run was stopped and what it did not play.
Json interruption_json(const Report& report) {
  const auto& stop = report.run.interrupted;
  if (!stop) return nullptr;
  Json unplayed = Json::array();
  for (const auto& never : stop->unplayed)
    unplayed.push_back(
        {{"index", never.index}, {"action", never.name}, {"planned_at_ns", never.start_ns - report.run.start_ns}});
  return {{"signal", stop->cause},
          {"at_ns", stop->at_ns - report.run.start_ns},
          {"planned_duration_ns", stop->planned_end_ns - report.run.start_ns},
          {"timeline_cut", stop->timeline_cut},
          {"events_played", report.run.windows.size()},
          {"events_planned", report.run.windows.size() + stop->unplayed.size()},
          {"unplayed", unplayed},
          {"summary", interruption_summary(report)}};
}

}  // namespace

void write_json(const Report& report, std::ostream& out) {
  const RunRecord& run = report.run;
  Json events = Json::array(), expectations = Json::array(), vip = Json::array(), takeovers = Json::array();
  for (std::size_t i = 0; i < run.windows.size(); ++i) events.push_back(window_json(report, i));
  for (const auto& v : report.analysis.verdicts)
    expectations.push_back({{"event", v.event},
                            {"check", v.check},
                            {"status", checks::to_string(v.status)},
                            {"expected", v.expected},
                            {"actual", v.actual},
                            {"evidence", v.evidence}});
  for (const auto& t : report.vip)
    vip.push_back({{"at_ns", t.t_ns - run.start_ns},
                   {"instance", t.instance},
                   {"node", t.node},
                   {"from", t.from},
                   {"to", t.to},
                   {"reason", t.reason}});
  for (const auto& fault : report.vip_faults) takeovers.push_back(takeover_json(fault));
  Json silent = Json::array();
  for (const auto& window : report.silent)
    for (const auto& g : window.groups)
      silent.push_back({{"event", run.windows[window.window].index},
                        {"group", g.group},
                        {"affected", g.affected},
                        {"noticed_at_once", g.noticed_at_once},
                        {"noticed_later", g.noticed_later},
                        {"not_noticed", g.not_noticed},
                        {"delay_p50_ns", g.delay.percentile(50).count()},
                        {"delay_max_ns", g.delay.max().count()}});
  Json document = {{"schema", "wsfo-report/1"},
                   {"scenario", run.scenario},
                   {"engine", run.engine},
                   {"stack", run.stack},
                   {"passed", report.passed()},
                   {"verdict", report.verdict()},
                   {"part_failures", run.part_failures},
                   {"interrupted", interruption_json(report)},
                   {"duration_ns", run.end_ns - run.start_ns},
                   {"clients", run.population.size()},
                   {"rules", {{"before", run.rules_before.version()}, {"after", run.rules_after.version()}}},
                   {"events", events},
                   {"expectations", expectations},
                   {"vip_transitions", vip},
                   {"takeovers", takeovers},
                   {"silent_connections", silent},
                   {"split_brains", split_brains_json(report)},
                   {"notes", run.notes}};
  out << document.dump(2) << "\n";
}

}  // namespace wsfo::reports
