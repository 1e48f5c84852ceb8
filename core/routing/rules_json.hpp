#pragma once
// Rule sets as JSON: {"version": 1, "modulus": 10000, "ranges": [{"from": 0, "to": 5997, "unit": "center"}]}
// Shared by rule files (`wsfo rules diff`), scenario files and the admin API.
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/routing/rule_set.hpp"

namespace wsfo::routing {

// Reads and validates; every problem names its JSON pointer (a range problem
// points at the range, and names the other range for an overlap).
std::optional<RuleSet> read_rules(const json::Json& value, const std::string& pointer, json::Problems& problems,
                                  const std::vector<std::string>& known_units);

json::Json to_json(const RuleSet& rules);

// Loads a rule file; problems carry the file's pointers.
std::optional<RuleSet> load_rules_file(const std::string& path, json::Problems& problems);

}  // namespace wsfo::routing
