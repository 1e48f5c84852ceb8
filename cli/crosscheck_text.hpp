#pragma once
// `wsfo crosscheck`'s text: per timeline event both stacks' figures side by
// side, the takeover times that differ, then the routerIds whose fate differs
// grouped by mechanism, and every unexplained one with what each stack recorded.
#include <ostream>

#include "core/compare/run_comparison.hpp"

namespace wsfo::cli {

// At most this many routerIds are named per mechanism and event (all are in crosscheck.json).
inline constexpr std::size_t kIdsNamedPerGroup = 5;

void write_comparison_text(const compare::Comparison& comparison, std::ostream& out);

}  // namespace wsfo::cli
