#include "core/run/run_file.hpp"

#include <variant>

#include "core/cutover/cutover_json.hpp"
#include "core/run/timeline_player.hpp"
#include "core/scenario/client_population.hpp"
#include "core/stack/stack_support.hpp"

namespace wsfo::run {

namespace {

using Json = nlohmann::json;

Json window_facts(const checks::EventWindow& window) {
  Json versions = Json::object();
  for (const auto& [node, version] : window.versions_after) versions[node] = version ? Json(*version) : Json(nullptr);
  return {{"index", window.index},
          {"cutover_outcome", window.cutover_outcome ? Json(*window.cutover_outcome) : Json(nullptr)},
          {"versions_after", versions},
          {"action_error", window.action_error}};
}

void read_window_facts(const Json& json, checks::EventWindow& window) {
  const Json& outcome = json.at("cutover_outcome");
  if (!outcome.is_null()) window.cutover_outcome = outcome.get<std::string>();
  for (const auto& [node, version] : json.at("versions_after").items())
    window.versions_after[node] =
        version.is_null() ? std::nullopt : std::optional<std::uint64_t>(version.get<std::uint64_t>());
  window.action_error = json.at("action_error").get<std::string>();
}

// The windows of the events the run played, from the history's `action`
// events, each checked against the scenario's timeline.
bool played_windows(const scenario::Scenario& scenario, const std::vector<history::Event>& history,
                    RunRecord& record, std::string& error) {
  for (const auto& event : history) {
    if (event.kind != "action") continue;
    const auto index = event.fields.value("index", std::uint64_t{0});
    const auto name = event.fields.value("action", std::string());
    if (index >= scenario.timeline.size() || scenario::action_name(scenario.timeline[index].action) != name) {
      error = "history.jsonl has action #" + std::to_string(index) + " \"" + name +
              "\", which is not in the scenario's timeline (scenario.json is not the scenario of this run)";
      return false;
    }
    if (index != record.windows.size()) {
      error = "history.jsonl has action #" + std::to_string(index) + " where #" +
              std::to_string(record.windows.size()) + " was expected (timeline events are played in order)";
      return false;
    }
    record.windows.push_back(open_window(scenario, index, event.t_ns));
  }
  return true;
}

}  // namespace

Json run_facts(const RunRecord& record) {
  Json events = Json::array(), cutovers = Json::array();
  for (const auto& window : record.windows) events.push_back(window_facts(window));
  for (const auto& [index, result] : record.cutovers) {
    Json cutover = cutover::to_json(result);
    cutover["index"] = index;
    cutovers.push_back(std::move(cutover));
  }
  Json interrupted = nullptr;
  if (const auto& stop = record.interrupted)
    interrupted = {{"cause", stop->cause},
                   {"at_ns", stop->at_ns},
                   {"planned_end_ns", stop->planned_end_ns},
                   {"timeline_cut", stop->timeline_cut}};
  return {{"schema", kRunFileSchema},
          {"scenario", record.scenario},
          {"engine", record.engine},
          {"stack", record.stack},
          {"start_ns", record.start_ns},
          {"end_ns", record.end_ns},
          {"notes", record.notes},
          {"part_failures", record.part_failures},
          {"interrupted", interrupted},
          {"events", events},
          {"cutovers", cutovers}};
}

std::optional<RunRecord> rebuild_record(scenario::Scenario scenario, std::vector<history::Event> history,
                                        const Json& facts, std::string& error) {
  RunRecord record;
  try {
    if (facts.value("schema", std::string()) != kRunFileSchema)
      return error = std::string("run.json: \"schema\" is not \"") + kRunFileSchema + "\"", std::nullopt;
    record.engine = facts.at("engine").get<std::string>();
    record.stack = facts.at("stack").get<std::string>();
    // The stack the run played on, when a flag (--stack) chose another than the scenario's.
    auto kind = scenario::parse_stack_kind(record.stack);
    if (!kind) return error = "run.json: unknown stack \"" + record.stack + "\"", std::nullopt;
    if (*kind != scenario.stack.kind) stack::switch_stack(scenario, *kind);
    record.start_ns = facts.at("start_ns").get<std::int64_t>();
    record.end_ns = facts.at("end_ns").get<std::int64_t>();
    record.notes = facts.at("notes").get<std::vector<std::string>>();
    record.part_failures = facts.at("part_failures").get<std::vector<std::string>>();
    record.scenario = scenario.name;
    record.rules_before = record.rules_after = scenario.rules;
    for (const auto& member : scenario::expand_population(scenario)) record.population.push_back(member.router_id);
    record.advert_ns = advert_intervals(scenario);
    if (!played_windows(scenario, history, record, error)) return std::nullopt;
    const Json& events = facts.at("events");
    if (events.size() != record.windows.size())
      return error = "run.json has " + std::to_string(events.size()) + " played events, history.jsonl " +
                     std::to_string(record.windows.size()) + " action events",
             std::nullopt;
    for (std::size_t i = 0; i < events.size(); ++i) read_window_facts(events[i], record.windows[i]);
    close_windows(record.windows, record.end_ns);
    for (const auto& json : facts.at("cutovers")) {
      const auto index = json.at("index").get<std::size_t>();
      auto result = cutover::cutover_from_json(json, error);
      if (!result) return error = "run.json: " + error, std::nullopt;
      auto* action = index < scenario.timeline.size() ? std::get_if<scenario::Cutover>(&scenario.timeline[index].action)
                                                      : nullptr;
      if (action == nullptr)
        return error = "run.json has a cutover at #" + std::to_string(index) + ", not a cutover in the scenario",
               std::nullopt;
      // The rules in force after the run: those of the last cutover that committed.
      if (result->outcome == cutover::Outcome::committed) record.rules_after = action->rules;
      record.cutovers[index] = std::move(*result);
    }
    if (const Json& stop = facts.at("interrupted"); !stop.is_null()) {
      Interruption interruption;
      interruption.cause = stop.at("cause").get<std::string>();
      interruption.at_ns = stop.at("at_ns").get<std::int64_t>();
      interruption.planned_end_ns = stop.at("planned_end_ns").get<std::int64_t>();
      interruption.timeline_cut = stop.at("timeline_cut").get<bool>();
      if (interruption.timeline_cut)
        interruption.unplayed = unplayed_windows(scenario, record.windows.size(), record.start_ns);
      record.interrupted = std::move(interruption);
    }
  } catch (const Json::exception& e) {
    error = std::string("run.json: ") + e.what();
    return std::nullopt;
  }
  record.history = std::move(history);
  return record;
}

}  // namespace wsfo::run
