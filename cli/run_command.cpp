// `wsfo run SCENARIO`: play a scenario live and report which routerIds
// disconnected, why, whether that was expected, and how fast they came back.
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/descriptor_limit.hpp"
#include "cli/live_run.hpp"
#include "cli/run_output.hpp"
#include "cli/self_path.hpp"
#include "core/run/descriptor_budget.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "process/progress_line.hpp"
#include "core/stack/stack_support.hpp"
#include "process/interrupt_signals.hpp"
#include "reports/report.hpp"
#include "simulator/live/live_runner.hpp"
#include "simulator/stack/stack_runner.hpp"

namespace wsfo::cli {

run::RunRecord play_on_its_stack(const scenario::Scenario& scenario, const live::LiveRunOptions& options,
                                 stack::StackBinaries binaries, std::string& unavailable) {
  if (scenario.stack.kind == scenario::StackKind::nginx_keepalived) {
    binaries.wsfo = options.wsfo_binary;
    unavailable = stack::stack_unavailable_reason(binaries);
    if (!unavailable.empty()) return {};
    std::cerr << "run directory: " << options.run_dir << "\n";
    return stack::run_on_stack(scenario, options, binaries, std::cerr);
  }
  std::cerr << "run directory: " << options.run_dir << "\n";
  return live::run_live(scenario, options, std::cerr);
}

int play_scenario_live(const LiveRunRequest& request) {
  auto loaded = scenario::load_scenario_file(request.scenario);
  for (const auto& p : loaded.problems.list()) std::cerr << request.scenario << ": " << json::format(p) << "\n";
  if (loaded.unreadable) return kIoError;
  if (!loaded.scenario) {
    std::cerr << "wsfo run: " << request.scenario << " is not a valid scenario (problems above)\n";
    return kInvalidInput;
  }
  if (!request.stack.empty()) {
    auto kind = scenario::parse_stack_kind(request.stack);
    if (!kind) {
      std::cerr << "wsfo run: unknown stack \"" << request.stack << "\" (known: " << known_stack_kinds() << ")\n";
      return kUsage;
    }
    if (auto note = stack::switch_stack(*loaded.scenario, *kind); !note.empty())
      std::cerr << "wsfo run: note: " << note << "\n";
  }
  if (auto refusal = stack::first_unrealisable(*loaded.scenario, loaded.scenario->stack.kind); !refusal.empty()) {
    std::cerr << "wsfo run: " << request.scenario << ": " << refusal << "\n";
    return kUnrealisable;
  }
  // wsfo's own gateways and backends hold a descriptor or two per client: a
  // scenario whose clients cannot fit them at its worst moment is refused now.
  if (loaded.scenario->stack.kind == scenario::StackKind::wsfo) {
    auto budget = run::descriptor_budget(*loaded.scenario, part_descriptor_limit());
    if (auto refusal = run::refusal(budget); !refusal.empty()) {
      std::cerr << "wsfo run: " << request.scenario << ": " << refusal << "\n";
      return kUnrealisable;
    }
  }
  live::LiveRunOptions options;
  options.wsfo_binary = self_path();
  options.run_dir = std::filesystem::absolute(request.report_dir.empty() ? default_report_dir(loaded.scenario->name)
                                                                         : request.report_dir)
                        .string();
  options.verbose_groups = request.verbose_groups;
  options.progress = process::stdout_is_terminal();  // progress on a terminal, not in CI logs
  // The one handling of SIGINT and SIGTERM for the run: the first stops the
  // timeline, the parts are stopped and the history and reports of what was
  // played are written, then the process ends by the same signal. A second
  // one exits at once (the testbed still removed, no reports).
  process::GracefulStop stop;
  options.stop = &stop;
  std::string unavailable;
  stack::StackBinaries binaries;
  if (!request.nginx_binary.empty()) binaries.nginx = request.nginx_binary;
  if (!request.keepalived_binary.empty()) binaries.keepalived = request.keepalived_binary;
  run::RunRecord record = play_on_its_stack(*loaded.scenario, options, binaries, unavailable);
  if (!unavailable.empty())
    return stack_unavailable_exit("wsfo run", scenario::stack_kind_name(loaded.scenario->stack.kind), unavailable,
                                  request.skip_unavailable);
  const int code = finish_run(reports::build_report(std::move(record)), options.run_dir, "wsfo run", request.scenario);
  stop.end_by_signal();  // returns only when no signal asked for a stop
  return code;
}

void add_run_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("run", "Play a scenario live against real gateway, backend and client processes")
          ->footer(
              "Starts every part as a child process on its own 127.x address, plays the timeline, merges "
              "the events into history.jsonl and writes report.json, junit.xml and report.html to the run "
              "directory, with a copy of the scenario (scenario.json) and run.json, from which `wsfo report` "
              "rebuilds the reports. On a terminal, a progress line while the timeline waits.\nExit: 0 every "
              "expectation held, 1 an expectation failed, 2 the scenario is "
              "invalid, or its clients cannot fit a gateway's or backend's descriptors (ulimit -n) at the worst "
              "moment of its timeline (the message shows the arithmetic), or the run could not be judged because a "
              "part failed to start or died on its own "
              "(the report and the message name the part and the cause), 3 a file could not be read or written.\n"
              "SIGINT/SIGTERM: the timeline stops where it is, the parts are stopped, history.jsonl and the "
              "reports of what was played are written, marked interrupted (verdict INTERRUPTED; an expectation "
              "whose window was not played to its end is unknown), then wsfo ends by the same signal (a shell "
              "shows 130 or 143). A second signal exits at once, without reports.");
  static LiveRunRequest request;
  cmd->add_option("SCENARIO", request.scenario, "Scenario file (JSON)")->required();
  cmd->add_option("--report-dir", request.report_dir, "Run directory (default: reports/out/<scenario>-<time>)");
  cmd->add_flag("--skip-unavailable", request.skip_unavailable,
                "When the stack cannot run here (no root, no network namespaces, a missing binary), exit 77 rather "
                "than 2, unless the environment variable CI is \"true\" (for test runners that skip on 77)");
  cmd->add_option("--nginx-binary", request.nginx_binary,
                  "The nginx the nginx-keepalived stack runs (default /usr/sbin/nginx, Debian's nginx-light)");
  cmd->add_option("--keepalived-binary", request.keepalived_binary,
                  "The keepalived the nginx-keepalived stack runs (default /usr/sbin/keepalived)");
  cmd->add_option("--stack", request.stack,
                  "What realises the gateway nodes and VIPs, overriding the scenario's \"stack\": wsfo (wsfo's own "
                  "gateway and VRRP emulation on loopback) or nginx-keepalived (real nginx and keepalived in network "
                  "namespaces; a scenario using routerId rules, cutovers, correction or the admin API is refused)");
  cmd->callback([&exit_code] { exit_code = play_scenario_live(request); });
}

}  // namespace wsfo::cli
