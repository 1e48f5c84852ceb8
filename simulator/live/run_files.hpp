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

// The directory where clients the run does not start (a browser page's
// reporter, a device) drop their events as *.jsonl files while the run is
// under way; prepare_run_dir creates it, empty.
std::string external_events_dir(const std::string& run_dir);
// Its *.jsonl files, in name order.
std::vector<std::string> external_events_files(const std::string& run_dir);

// `own` events and every events file's, in time order; malformed lines and
// missing files become notes of the record.
void collect_history(const std::vector<history::Event>& own, const std::vector<std::string>& events_files,
                     run::RunRecord& record);

}  // namespace wsfo::live
