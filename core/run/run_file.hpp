#pragma once
// A played run, kept so that its reports can be rebuilt later (`wsfo report`):
// the run directory holds history.jsonl, scenario.json (the scenario file as
// given) and run.json, which has what the engine recorded that neither of the
// other two says (docs/report.md, "The run directory"). Everything the
// scenario or the history says is taken from them, as the engines take it:
// the population, the rules before, the VRRP advert intervals, the windows'
// names, expectations and start times (the history's `action` events).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/history/event.hpp"
#include "core/run/run_record.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::run {

inline constexpr const char* kRunFileSchema = "wsfo-run/1";

// run.json: engine, stack, start and end times, notes, part failures, the
// interruption, each event's cutover outcome, action error and rules versions
// after it, and each cutover's result.
nlohmann::json run_facts(const RunRecord& record);

// The record the engine filled, rebuilt from the scenario as it was given to
// the run, the run's history (sorted by t_ns) and its run.json. nullopt with a
// one-line `error` when they do not fit together (an `action` event that is
// not the scenario's, a run.json field missing or of the wrong type).
std::optional<RunRecord> rebuild_record(scenario::Scenario scenario, std::vector<history::Event> history,
                                        const nlohmann::json& facts, std::string& error);

}  // namespace wsfo::run
