#pragma once
// `processes.json` of a live run directory: what each part cost (CPU seconds
// and peak RSS, from /proc before the parts were stopped) and each backend's
// message counters (its GET /stats). `wsfo bench fidelity` reads the gateway
// CPU and the relayed messages from it.
//
// {"duration_s": 12.0,
//  "processes": [{"part": "gateway center-gw1", "role": "gateway", "cpu_s": 1.2, "peak_rss_kib": 9000}, ...],
//  "backends": [{"name": "center-app1", "messages_sent": 100, "messages_received": 10}, ...]}
#include <map>
#include <string>
#include <vector>

#include "core/scenario/scenario.hpp"
#include "simulator/live/process_usage.hpp"

namespace wsfo::live {

// Asks every backend of the scenario for its /stats (a backend that does not
// answer is left out) and writes the file. "" or what could not be written.
std::string write_processes_file(const std::string& run_dir, const scenario::Scenario& scenario,
                                 const std::map<std::string, ProcessUsage>& usage);

}  // namespace wsfo::live
