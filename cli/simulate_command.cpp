// `wsfo simulate SCENARIO`: the scenario played in the SimGrid model in
// virtual time (docs/simulate.md), judged and reported like `wsfo run`, plus
// capacity figures. `wsfo bench simulate`: wall time and peak RSS of
// simulated runs against the model's targets (1,000,000 clients in 60 s).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/run_output.hpp"
#include "cli/self_path.hpp"
#include "cli/simulate_sweep.hpp"
#include "core/json/json_reader.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "process/child_process.hpp"
#include "process/progress_line.hpp"
#include "simulator/model/sim_runner.hpp"

namespace wsfo::cli {

namespace {

struct SimulateFlags {
  std::string scenario;
  std::string report_dir;
  std::uint64_t seed = 1;
  std::string ramp;
  std::string handshake_timeout = "5s";
  std::int64_t connection_memory = 40000;
  std::vector<std::string> simgrid_config;
  std::vector<std::string> sweep;  // --sweep GROUP=FROM..TO (cli/simulate_sweep.cpp)
  std::string precision;
  std::string traffic_step = "100ms";
  std::size_t max_connections = 0;
};

// A sweep's trials are `wsfo simulate` runs with the user's other options.
SweepRequest sweep_request(const SimulateFlags& flags) {
  SweepRequest request{flags.scenario, flags.report_dir, flags.sweep, flags.precision, {}};
  auto& options = request.simulate_options;
  options = {"--seed",
             std::to_string(flags.seed),
             "--handshake-timeout",
             flags.handshake_timeout,
             "--connection-memory",
             std::to_string(flags.connection_memory),
             "--traffic-step",
             flags.traffic_step};
  if (flags.max_connections > 0)
    options.insert(options.end(), {"--max-connections", std::to_string(flags.max_connections)});
  if (!flags.ramp.empty()) options.insert(options.end(), {"--ramp", flags.ramp});
  for (const auto& item : flags.simgrid_config) options.insert(options.end(), {"--cfg", item});
  return request;
}

// "simulate: 12.3 s of 40.0 s virtual, 9998 of 10000 clients connected, #1 cutover"
void show_progress(process::ProgressLine& line, const model::SimProgress& p) {
  if (!line.due()) return;  // counting the connected clients is a pass over all of them
  char text[160];
  std::snprintf(text, sizeof text, "simulate: %.1f s of %.1f s virtual, %llu of %zu clients connected%s%s",
                static_cast<double>(p.at_ns) / 1e9, static_cast<double>(p.end_ns) / 1e9,
                static_cast<unsigned long long>(p.connected()), p.clients, p.action.empty() ? "" : ", ",
                p.action.c_str());
  line.show(text);
}

int simulate(const SimulateFlags& flags) {
  model::SimOptions options;
  options.seed = flags.seed;
  options.connection_memory_bytes = flags.connection_memory;
  options.simgrid_config = flags.simgrid_config;
  if (!flags.ramp.empty()) {
    auto ramp = json::parse_duration(flags.ramp);
    if (!ramp) return std::cerr << "wsfo simulate: --ramp: '" << flags.ramp << "' is not a duration\n", kUsage;
    options.ramp = *ramp;
  }
  auto timeout = json::parse_duration(flags.handshake_timeout);
  if (!timeout || timeout->count() <= 0)
    return std::cerr << "wsfo simulate: --handshake-timeout: '" << flags.handshake_timeout
                     << "' is not a positive duration\n",
           kUsage;
  options.client_handshake_timeout = *timeout;
  auto step = json::parse_duration(flags.traffic_step);
  if (!step || step->count() < 1'000'000 || step->count() > 1'000'000'000)
    return std::cerr << "wsfo simulate: --traffic-step: '" << flags.traffic_step
                     << "' is not a duration from 1ms to 1s\n",
           kUsage;
  options.traffic_step = *step;
  if (flags.max_connections) options.max_connections = flags.max_connections;

  auto loaded = scenario::load_scenario_file(flags.scenario);
  for (const auto& p : loaded.problems.list()) std::cerr << flags.scenario << ": " << json::format(p) << "\n";
  if (loaded.unreadable) return kIoError;
  if (!loaded.scenario) {  // as `wsfo run`: a bad scenario is a usage error
    std::cerr << "wsfo simulate: " << flags.scenario << " is not a valid scenario (problems above)\n";
    return kInvalidInput;
  }
  // The model has one gateway and one VRRP agent: wsfo's. Say so rather than let
  // the report pass for nginx's and keepalived's behaviour.
  if (loaded.scenario->stack.kind != scenario::StackKind::wsfo)
    std::cerr << "wsfo simulate: note: the scenario's stack is "
              << scenario::stack_kind_name(loaded.scenario->stack.kind)
              << "; the model plays wsfo's emulation of it (wsfo's gateway and VRRP agent)\n";

  process::ProgressLine progress(std::cout, process::stdout_is_terminal());
  if (progress.enabled()) options.progress = [&progress](const model::SimProgress& p) { show_progress(progress, p); };
  model::SimOutcome outcome = model::run_simulation(*loaded.scenario, options);
  progress.clear();
  if (!outcome.error.empty()) {
    std::cerr << flags.scenario << ": " << outcome.error << "\n";
    return kUnrealisable;
  }
  std::string run_dir =
      std::filesystem::absolute(flags.report_dir.empty() ? default_report_dir(loaded.scenario->name + "-sim")
                                                         : flags.report_dir)
          .string();
  std::vector<checks::EventWindow> windows = outcome.record.windows;
  reports::Report report = reports::build_report(std::move(outcome.record));
  model::add_recovery(outcome.capacity, report.analysis, windows);
  for (auto& note : model::capacity_notes(outcome.capacity)) report.run.notes.push_back(std::move(note));
  int code = finish_run(
      report, run_dir, "wsfo simulate", flags.scenario,
      [&](const std::string& dir) {
        if (auto error = model::write_history_file(outcome, dir); !error.empty()) return error;
        std::ofstream out(dir + "/capacity.json");
        model::write_capacity_json(outcome.capacity, out);
        return out ? std::string() : "cannot write '" + dir + "/capacity.json'";
      },
      reports::HistoryFile::by_caller);
  model::write_capacity_text(outcome.capacity, std::cout);
  return code;
}

// ---------------------------------------------------------------- bench

struct BenchFlags {
  std::vector<std::string> scenarios;
  std::string out_dir = "reports/out/bench-simulate";
};

struct ChildFigures {
  int exit_code = -1;
  double wall_s = 0;
  double peak_rss_mib = 0;
};

// `label` is shown, with the seconds so far, on the progress line while the child runs.
ChildFigures run_child(const std::vector<std::string>& args, const std::string& log_file,
                       process::ProgressLine& progress, const std::string& label) {
  ChildFigures figures;
  std::error_code ignored;
  std::filesystem::remove(log_file, ignored);  // the log of this run only
  process::ChildOptions options;
  options.log_file = log_file;
  options.stdout_to_log = true;
  auto start = std::chrono::steady_clock::now();
  try {
    process::ChildProcess child(args, options);
    auto status = child.wait_for_exit(std::chrono::milliseconds(0));
    for (auto deadline = start + std::chrono::hours(24); !status && std::chrono::steady_clock::now() < deadline;) {
      const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      char text[32];
      std::snprintf(text, sizeof text, ", %.0f s", seconds);
      progress.show(label + text);
      status = child.wait_for_exit(std::chrono::milliseconds(250));
    }
    progress.clear();
    figures.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!status) return figures;
    figures.peak_rss_mib = static_cast<double>(status->max_rss_kib) / 1024.0;
    figures.exit_code = status->exited ? status->code : 128 + status->signal;
  } catch (const std::exception& e) {
    std::cerr << "wsfo bench simulate: " << e.what() << "\n";
  }
  return figures;
}

int bench(const BenchFlags& flags) {
  std::filesystem::create_directories(flags.out_dir);
  struct Target {
    const char* file;
    double wall_s;
    double rss_mib;
  };
  std::vector<std::string> scenarios = flags.scenarios;
  if (scenarios.empty())
    scenarios = {data_path("scenarios/capacity/storm-100k-fixed.json"),
                 data_path("scenarios/capacity/cutover-kill-1m.json"),
                 data_path("scenarios/capacity/traffic-100k.json"), data_path("scenarios/capacity/traffic-1m.json")};
  bool all_met = true;
  process::ProgressLine progress(std::cout, process::stdout_is_terminal());
  std::size_t played = 0;
  std::cout << "scenario                              clients  exit   wall s   target   peak RSS MiB  target\n";
  for (const auto& path : scenarios) {
    auto loaded = scenario::load_scenario_file(path);
    if (!loaded.scenario) {
      std::cerr << path << ": " << (loaded.unreadable ? "cannot be read" : "not a valid scenario") << "\n";
      return invalid_input_exit(loaded.unreadable);
    }
    std::uint64_t clients = loaded.scenario->client_count();
    // The model's targets: 1,000,000 clients in 60 s and 4 GiB; 100,000 in 6 s.
    double wall_target = clients > 100000 ? 60.0 : 6.0;
    double rss_target = 4096.0;
    std::string name = loaded.scenario->name;
    std::string dir = std::filesystem::absolute(flags.out_dir + "/" + name).string();
    ChildFigures f = run_child({self_path(), "simulate", path, "--report-dir", dir}, dir + ".log", progress,
                               "bench simulate: " + name + " (" + std::to_string(++played) + " of " +
                                   std::to_string(scenarios.size()) + ", " + std::to_string(clients) + " clients)");
    bool met = f.exit_code >= 0 && f.exit_code <= 1 && f.wall_s <= wall_target && f.peak_rss_mib <= rss_target;
    all_met = all_met && met;
    char line[256];
    std::snprintf(line, sizeof line, "%-36s %8llu  %4d  %7.2f  %5.0f s   %10.0f  %6.0f  %s\n", name.c_str(),
                  static_cast<unsigned long long>(clients), f.exit_code, f.wall_s, wall_target, f.peak_rss_mib,
                  rss_target, met ? "ok" : "MISSED");
    std::cout << line << std::flush;
  }
  std::cout << "logs and reports: " << flags.out_dir << "/\n";
  return all_met ? kOk : kCheckFailed;
}

}  // namespace

void add_simulate_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("simulate",
                         "Play a scenario in the SimGrid model, in virtual time (up to millions of clients)")
          ->footer(
              "Builds a SimGrid platform from the scenario (gateway nodes, backends, client regions; links from its "
              "`simulation` block), plays the timeline, writes history.jsonl, report.json, junit.xml, report.html and "
              "capacity.json to the run directory, with scenario.json and run.json for `wsfo report` "
              "(docs/simulate.md). On a terminal, a progress line: virtual time, clients connected, the last "
              "timeline event.\nExit (as `wsfo run`): 0 every expectation "
              "held, 1 an expectation failed, 2 usage, an invalid scenario or something the model does not play "
              "yet (the message says which), 3 a file could not be read or written.");
  static SimulateFlags flags;
  cmd->add_option("SCENARIO", flags.scenario, "Scenario file (JSON)")->required();
  cmd->add_option("--report-dir", flags.report_dir, "Run directory (default: reports/out/<scenario>-sim-<time>)");
  cmd->add_option("--seed", flags.seed, "Seed of address picks and reconnect jitter")->capture_default_str();
  cmd->add_option("--ramp", flags.ramp, "Spread of the first connections (default: 1 s per 20000 clients)");
  cmd->add_option("--handshake-timeout", flags.handshake_timeout, "Clients' limit per hop")->capture_default_str();
  cmd->add_option("--connection-memory", flags.connection_memory, "Gateway bytes per connection, for the figures")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--traffic-step", flags.traffic_step, "Message traffic is charged per step of this length")
      ->capture_default_str();
  cmd->add_option("--max-connections", flags.max_connections,
                  "The gateways' connection limit (503 above it), instead of the scenario's gateway.max_connections "
                  "or the live gateway's default, 10000");
  cmd->add_option("--cfg", flags.simgrid_config, "SimGrid configuration item, e.g. contexts/factory:thread");
  cmd->add_option("--sweep", flags.sweep,
                  "GROUP=FROM..TO: find the largest population of the group(s) for which the expectations hold "
                  "(repeat to move several groups together; docs/sweep.md)");
  cmd->add_option("--precision", flags.precision,
                  "With --sweep: stop when the knee is this narrow, N clients or P% of "
                  "TO - FROM (default 1%, at least 1 client)");
  cmd->callback([&exit_code] {
    if (flags.sweep.empty() && !flags.precision.empty())
      exit_code = (std::cerr << "wsfo simulate: --precision needs --sweep\n", kUsage);
    else
      exit_code = flags.sweep.empty() ? simulate(flags) : simulate_sweep(sweep_request(flags));
  });

  auto* bench_cmd = bench_command(app)->add_subcommand(
      "simulate", "Wall time and peak RSS of `wsfo simulate` on the capacity scenarios, against its targets (1,000,000 clients in 60 s and 4 GiB, 100,000 in 6 s)");
  static BenchFlags bench_flags;
  bench_cmd->add_option("SCENARIOS", bench_flags.scenarios,
                        "Scenario files (default: scenarios/capacity's 100k and 1M, without and with message traffic)");
  bench_cmd->add_option("--out", bench_flags.out_dir, "Where reports and logs go")->capture_default_str();
  bench_cmd->callback([&exit_code] { exit_code = bench(bench_flags); });
}

}  // namespace wsfo::cli
