#pragma once
// Scenario files → Scenario (DESIGN.md §3). Every problem names the JSON
// pointer of the offending value and what was expected; a scenario is
// returned only when there is no problem at all.
#include <optional>
#include <string>

#include "core/json/json_reader.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::scenario {

std::optional<Scenario> read_scenario(const json::Json& document, json::Problems& problems);

struct LoadedScenario {
  std::optional<Scenario> scenario;  // set exactly when problems is empty
  json::Problems problems;
  bool unreadable = false;  // the file could not be read at all (as opposed to invalid)
};

LoadedScenario parse_scenario(const std::string& text);
LoadedScenario load_scenario_file(const std::string& path);

}  // namespace wsfo::scenario
