#pragma once
// `wsfo crosscheck`'s and `wsfo report --compare`'s text: per timeline event both stacks' figures side by
// side, the takeover times that differ, then the routerIds whose fate differs
// grouped by mechanism, and every unexplained one with what each stack recorded.
#include <ostream>

#include "core/compare/run_comparison.hpp"
#include "reports/report.hpp"

namespace wsfo::cli {

// At most this many routerIds are named per mechanism and event (all are in crosscheck.json).
inline constexpr std::size_t kIdsNamedPerGroup = 5;

// What the comparison reads of a run's report (`report` must outlive the view).
compare::RunView run_view(const reports::Report& report, const std::string& label);

// `title` heads the table: "== TITLE: A vs B ==".
void write_comparison_text(const compare::Comparison& comparison, std::ostream& out,
                           const std::string& title = "crosscheck");

}  // namespace wsfo::cli
