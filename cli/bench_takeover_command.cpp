// `wsfo bench takeover`: VRRP takeover timings of wsfo's emulation against
// real keepalived, measured the same way in the same run (docs/vrrp.md).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/self_path.hpp"
#include "process/status_line.hpp"
#include "simulator/bench/takeover_bench.hpp"

namespace wsfo::cli {

namespace {

struct TakeoverFlags {
  long long runs = 5;
  std::string stacks = bench::kEmulationStack + "," + bench::kKeepalivedStack;
  std::string keepalived = "/usr/sbin/keepalived";
  std::string work_dir;
  bool hard_loss_only = false;
};

// "" when the flags are usable, else what is wrong with which one.
std::string validate(const TakeoverFlags& flags, bench::TakeoverBenchOptions& options) {
  if (flags.runs < 1 || flags.runs > 25) return "--runs: must be from 1 to 25";
  options.runs = static_cast<std::size_t>(flags.runs);
  options.stacks.clear();
  std::stringstream list(flags.stacks);
  std::string name;
  std::set<std::string> seen;
  while (std::getline(list, name, ',')) {
    if (name != bench::kEmulationStack && name != bench::kKeepalivedStack)
      return "--stacks: unknown stack '" + name + "' (known: " + bench::kEmulationStack + ", " +
             bench::kKeepalivedStack + ")";
    if (!seen.insert(name).second) return "--stacks: '" + name + "' is named twice";
    options.stacks.push_back(name);
  }
  if (options.stacks.empty()) return "--stacks: name at least one stack";
  options.files.keepalived = flags.keepalived;
  options.graceful = !flags.hard_loss_only;
  return "";
}

int run_bench_takeover(const TakeoverFlags& flags) {
  bench::TakeoverBenchOptions options;
  if (auto error = validate(flags, options); !error.empty()) {
    std::cerr << "wsfo bench takeover: " << error << "\n";
    return kUsage;
  }
  options.files.wsfo = self_path();
  for (const auto& stack : options.stacks) {
    if (auto reason = bench::takeover_stack_unavailable_reason(stack, options.files); !reason.empty()) {
      std::cerr << "wsfo bench takeover: the " << stack << " stack cannot run here: " << reason << "\n";
      return kUsage;
    }
  }
  const bool own_dir = flags.work_dir.empty();
  options.files.work_dir =
      own_dir ? (std::filesystem::temp_directory_path() / ("wsfo-takeover-" + std::to_string(::getpid()))).string()
              : flags.work_dir;
  options.seed = std::random_device{}();
  std::cout << "command: " << own_command_line() << "\n" << std::flush;

  bench::TakeoverBenchResult result;
  {
    process::StatusLine status("bench takeover");
    options.status = &status;
    result = bench::run_takeover_bench(options, status.log());
  }
  if (own_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(options.files.work_dir, ignored);
  }
  if (!result.error.empty()) {
    std::cerr << "wsfo bench takeover: " << result.error << "\n";
    return kUsage;
  }
  std::cout << "\n";
  bench::print_takeover_table(result, options.setup, std::cout);
  const bool passed = bench::takeover_bench_passed(result);
  std::cout << "\n" << (passed ? "PASS" : "FAIL") << "\n" << std::flush;
  return passed ? kOk : kCheckFailed;
}

}  // namespace

void add_bench_takeover_commands(CLI::App& app, int& exit_code) {
  auto* cmd = bench_command(app)->add_subcommand(
      "takeover", "VRRP takeover timings: wsfo's emulation against real keepalived, fault by fault");
  cmd->footer(
      "Two nodes, one VIP, advert_int 1 s, priorities 100 (a) / 50 (b), preempt. Per stack and run: a fresh start, "
      "the fault at a chosen phase of a's advert timer, then: SIGKILL of a (hard loss: from the fault and from the "
      "last advert b heard), a started again (preempt back), and after a fresh start SIGTERM of a (graceful).\n"
      "Exit: 0 every figure within 10% (one stack: every run gave every figure), 1 otherwise, 2 bad usage or a "
      "stack that cannot run here (it needs root: raw sockets, network namespaces).\n"
      "On a terminal, a status line: the run, the stack, the fault being measured, the time so far.");
  auto flags = std::make_shared<TakeoverFlags>();
  cmd->add_option("--runs", flags->runs, "Runs per fault and stack (the table has medians)")->capture_default_str();
  cmd->add_option("--stacks", flags->stacks, "Stacks, comma-separated: wsfo, nginx-keepalived")->capture_default_str();
  cmd->add_option("--keepalived", flags->keepalived, "The keepalived binary (Debian: keepalived)")
      ->capture_default_str();
  cmd->add_option("--work-dir", flags->work_dir,
                  "Where configs, events and logs go, kept (default: a temporary "
                  "directory, removed)");
  cmd->add_flag("--hard-loss-only", flags->hard_loss_only, "Leave out the graceful stop");
  cmd->callback([flags, &exit_code] {
    exit_code = run_bench_takeover(*flags);  // what it throws (a part that did not start): main.cpp
  });
}

}  // namespace wsfo::cli
