#pragma once
// `wsfo bench storm`: a reconnect storm against wsfo's gateway and against
// nginx in one run. N clients hold connections through node A; A is killed
// (SIGKILL) and the clients reconnect through the surviving nodes. Per N, the
// paired rounds (order alternating) give medians and ratios wsfo/nginx with
// their ranges. The command reports; it judges nothing.
#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "process/status_line.hpp"
#include "simulator/bench/storm_clients.hpp"

namespace wsfo::bench {

struct StormBenchOptions {
  std::string wsfo_exe;  // this binary, for `backend` and `gateway`
  std::string nginx_exe = "/usr/sbin/nginx";
  std::vector<std::size_t> clients = {5000, 9000};
  std::size_t rounds = 3;
  std::size_t survivors = 0;  // 0: one per started 5,000 clients
  std::size_t backends = 4;
  std::chrono::milliseconds window = std::chrono::seconds(30);  // clients not back by then never returned
  std::chrono::milliseconds attempt_timeout = std::chrono::seconds(5);
  process::StatusLine* status = nullptr;  // where the storm and its clients are shown, if anywhere
};

// The survivors a storm of `clients` runs with.
std::size_t survivors_for(const StormBenchOptions& options, std::size_t clients);

// One proxy's storm in one round.
struct StormRound {
  bool set_up = false;  // every client was connected through node A before the kill
  StormFigures clients;
  double survivors_cpu_seconds = 0;  // summed over the surviving nodes, from the kill to the last reconnect
  double survivors_peak_rss_mib = 0; // VmHWM summed over the surviving nodes
};

struct StormPeerRuns {
  std::vector<StormRound> rounds;
  std::vector<std::string> problems;
};

// The storms of one client count.
struct StormCase {
  std::size_t clients = 0;
  std::size_t survivors = 0;
  StormPeerRuns wsfo;
  StormPeerRuns nginx;
};

struct StormBenchResult {
  std::vector<StormCase> cases;
};

// Starts the backends once and, per client count and round, every node of
// each proxy afresh. Throws std::runtime_error naming the part that failed
// to start.
StormBenchResult run_storm_bench(const StormBenchOptions& options, std::ostream& progress);

void print_storm_table(const StormBenchResult& result, std::ostream& out);

}  // namespace wsfo::bench
