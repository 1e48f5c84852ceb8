#pragma once
// A comparison as JSON (docs/crosscheck.md, crosscheck.json): per event both
// stacks' figures, the takeover differences, the differences by mechanism.
// Times are integer nanoseconds, routerIds numbers.
#include <nlohmann/json.hpp>

#include "core/compare/run_comparison.hpp"

namespace wsfo::compare {

nlohmann::json to_json(const Comparison& comparison);

}  // namespace wsfo::compare
