#pragma once
// A cutover's result as JSON, both ways: report.json's "cutover" of an event
// (docs/report-json.md) and the run directory's run.json (docs/report.md), so
// that `wsfo report` re-renders a cutover exactly as the run did.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/cutover/cutover_workflow.hpp"

namespace wsfo::cutover {

// Outcome, versions, reason, moved ranges, pre-checks, steps and the gateways
// left unrolled-back (the previews and the rule text diff are not kept).
nlohmann::json to_json(const CutoverResult& result);

// The inverse of to_json; nullopt with `error` naming the first bad field.
std::optional<CutoverResult> cutover_from_json(const nlohmann::json& json, std::string& error);

}  // namespace wsfo::cutover
