// `wsfo bench storm`: a reconnect storm (a node killed under N clients)
// against wsfo gateway and nginx in the same run. Prints the command line,
// each storm's measurements and per client count a table of medians and
// ratios wsfo/nginx; it reports and judges nothing.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/self_path.hpp"
#include "clients/process_limits.hpp"
#include "core/json/json_reader.hpp"
#include "process/status_line.hpp"
#include "simulator/bench/storm_bench.hpp"

namespace wsfo::cli {

namespace {

struct StormFlags {
  std::string clients = "5000,9000";
  long long rounds = 3;
  long long survivors = 0;
  long long backends = 4;
  std::string window = "30s";
  std::string attempt_timeout = "5s";
  std::string nginx = "/usr/sbin/nginx";
};

// "5000,9000" -> {5000, 9000}; "" and the reason when it is not such a list.
std::string parse_client_counts(const std::string& text, std::vector<std::size_t>& counts) {
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 6)
      return "--clients: \"" + item + "\" in \"" + text + "\" is not a client count";
    auto count = std::stoul(item);
    if (count < 1 || count > 9900) return "--clients: " + item + " is not from 1 to 9900";
    counts.push_back(count);
  }
  if (counts.empty()) return "--clients: give one count or more, e.g. 5000,9000";
  return {};
}

std::string validate_storm_flags(const StormFlags& f, bench::StormBenchOptions& options) {
  auto in_range = [](long long v, long long low, long long high) { return v >= low && v <= high; };
  options.clients.clear();
  if (auto error = parse_client_counts(f.clients, options.clients); !error.empty()) return error;
  if (!in_range(f.rounds, 1, 25)) return "--rounds: must be from 1 to 25";
  if (!in_range(f.survivors, 0, 8)) return "--survivors: must be from 1 to 8, or 0 for one per 5000 clients";
  if (!in_range(f.backends, 1, 64)) return "--backends: must be from 1 to 64";
  auto window = json::parse_duration(f.window);
  if (!window || *window < std::chrono::seconds(1) || *window > std::chrono::seconds(600))
    return "--window: \"" + f.window + "\" is not a duration from 1s to 600s";
  auto attempt = json::parse_duration(f.attempt_timeout);
  if (!attempt || *attempt < std::chrono::milliseconds(100) || *attempt > std::chrono::seconds(60))
    return "--attempt-timeout: \"" + f.attempt_timeout + "\" is not a duration from 100ms to 60s";
  if (access(f.nginx.c_str(), X_OK) != 0) return "--nginx: " + f.nginx + " is not an executable file";
  options.rounds = static_cast<std::size_t>(f.rounds);
  options.survivors = static_cast<std::size_t>(f.survivors);
  options.backends = static_cast<std::size_t>(f.backends);
  options.window = std::chrono::duration_cast<std::chrono::milliseconds>(*window);
  options.attempt_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*attempt);
  options.nginx_exe = f.nginx;
  // Node A relays every client (two descriptors each), as does a survivor
  // its share; this process holds the clients. All inherit this limit.
  auto limit = clients::raise_descriptor_limit();
  for (auto count : options.clients) {
    auto needed = 2 * count + 100;
    if (limit < needed)
      return "--clients: " + std::to_string(count) + " clients need " + std::to_string(needed) +
             " descriptors in node A, and the limit is " + std::to_string(limit) + " (ulimit -Hn)";
  }
  return {};
}

int run_bench_storm(const StormFlags& flags) {
  bench::StormBenchOptions options;
  if (auto error = validate_storm_flags(flags, options); !error.empty()) {
    std::cerr << "wsfo bench storm: " << error << "\n";
    return kUsage;
  }
  options.wsfo_exe = self_path();
  std::cout << "command: " << own_command_line() << "\n"
            << "peer: " << options.nginx_exe << " (master_process off: one process, one worker, per node)"
            << "; wsfo gateway: one io thread per node\n"
            << std::flush;
  bench::StormBenchResult result;
  {
    process::StatusLine status("bench storm");
    options.status = &status;
    result = bench::run_storm_bench(options, status.log());
  }
  std::cout << "\n";
  bench::print_storm_table(result, std::cout);
  std::cout << std::flush;
  return kOk;
}

}  // namespace

void add_bench_storm_commands(CLI::App& app, int& exit_code) {
  auto* cmd = bench_command(app)->add_subcommand(
      "storm",
      "Reconnect storm: N clients through node A, A killed (SIGKILL), the clients reconnect through the surviving "
      "nodes; wsfo gateway against nginx (same backends, same clients, same run): medians and ratios wsfo/nginx. "
      "Exit 0 when every storm ran, 2 when a part failed to start");
  cmd->footer(
      "On a terminal, a status line: the client count and round, the proxy, the clients connected through node A "
      "or back after its kill, the time so far.");
  auto flags = std::make_shared<StormFlags>();
  cmd->add_option("--clients", flags->clients, "Client counts, one storm case each (comma-separated, up to 9900)")
      ->capture_default_str();
  cmd->add_option("--rounds", flags->rounds, "Paired rounds per client count (order alternating)")
      ->capture_default_str();
  cmd->add_option("--survivors", flags->survivors,
                  "Surviving nodes the clients reconnect through (0: one per 5000 clients)")
      ->capture_default_str();
  cmd->add_option("--backends", flags->backends, "wsfo backend processes every node proxies to")
      ->capture_default_str();
  cmd->add_option("--window", flags->window, "Clients not back this long after the kill never came back")
      ->capture_default_str();
  cmd->add_option("--attempt-timeout", flags->attempt_timeout, "A reconnect attempt (connect to 101) gives up after")
      ->capture_default_str();
  cmd->add_option("--nginx", flags->nginx, "The nginx binary (Debian: nginx-light)")->capture_default_str();
  cmd->callback([flags, &exit_code] {
    exit_code = run_bench_storm(*flags);  // what it throws (a part that did not start): main.cpp
  });
}

}  // namespace wsfo::cli
