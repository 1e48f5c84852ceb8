#pragma once
// `wsfo run` on the nginx-keepalived stack: the scenario's gateway nodes are
// real nginx + keepalived, each in its own network namespace, the backends
// and the client fleet in theirs, every address mapped into 198.18.0.0/15
// (AddressMap). The same timeline player, history, checks and reports as the
// loopback engine.
#include <ostream>
#include <string>

#include "core/run/run_record.hpp"
#include "core/scenario/scenario.hpp"
#include "simulator/live/live_runner.hpp"
#include "simulator/stack/stack_plan.hpp"

namespace wsfo::stack {

// "" when the stack can be played here; else one line naming what is missing
// (a binary, root or CAP_NET_ADMIN, network namespaces).
std::string stack_unavailable_reason(const StackBinaries& binaries);

// Plays the (unmapped) scenario. Like run_live, a part or a testbed that could
// not be started is in the record's part_failures: the run is not judged.
run::RunRecord run_on_stack(const scenario::Scenario& scenario, const live::LiveRunOptions& options,
                            const StackBinaries& binaries, std::ostream& log);

}  // namespace wsfo::stack
