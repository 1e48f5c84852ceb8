#pragma once
// The run directory of a run on real processes: prepared before the parts
// start, and the parts' event files merged into one history at the end.
// Shared by the engines that play on real processes (loopback and the real
// stack).
#include <string>
#include <vector>

#include "core/history/event.hpp"
#include "core/run/run_record.hpp"

namespace wsfo::live {

// Empties (or creates) the run directory's logs/, state/, events/, inputs/
// and any `extra` sub-directories: a run directory used before keeps nothing
// of that run. "" or what could not be prepared.
std::string prepare_run_dir(const std::string& run_dir, const std::vector<std::string>& extra = {});

// `own` events and every events file's, in time order; malformed lines and
// missing files become notes of the record.
void collect_history(const std::vector<history::Event>& own, const std::vector<std::string>& events_files,
                     run::RunRecord& record);

}  // namespace wsfo::live
