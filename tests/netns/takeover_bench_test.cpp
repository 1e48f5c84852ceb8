// Real keepalived's hard-loss takeover, measured by the takeover bench: the
// backup takes over one Master_Down_Interval (3.805 s for priority 50) after
// the last advert it heard, and the bench leaves no namespace behind. And
// `wsfo bench takeover`'s status line: on a pseudo-terminal, not on a pipe.
#include "simulator/bench/takeover_bench.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "process/live_clock.hpp"
#include "simulator/stack/netns_names.hpp"
#include "tests/netns/netns_skip.hpp"
#include "tests/support/terminal_run.hpp"
#include "tests/support/wsfo_command.hpp"

namespace takeover_bench_test {

using namespace std::chrono_literals;
using wsfo::vrrp::TakeoverFigure;

std::vector<std::string> own_namespaces() {
  std::vector<std::string> out;
  const std::string prefix = "wsfo-" + std::to_string(::getpid()) + "-";
  for (const auto& name : wsfo::stack::list_namespaces())
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  return out;
}

TEST(TakeoverBench, RealKeepalivedTakesOverOneMasterDownIntervalAfterTheLastAdvertHeard) {
  wsfo::bench::TakeoverBenchOptions options;
  options.runs = 1;
  options.stacks = {wsfo::bench::kKeepalivedStack};
  options.graceful = false;
  options.files.wsfo = WSFO_BINARY;
  options.files.work_dir = ::testing::TempDir() + "takeover-bench-" + std::to_string(::getpid());
  WSFO_NETNS_SKIP_UNLESS_AVAILABLE(
      wsfo::bench::takeover_stack_unavailable_reason(wsfo::bench::kKeepalivedStack, options.files));

  const auto began = wsfo::process::LiveClock::now();
  std::stringstream log;
  auto result = wsfo::bench::run_takeover_bench(options, log);
  const auto took = wsfo::process::LiveClock::now() - began;
  std::filesystem::remove_all(options.files.work_dir);

  ASSERT_TRUE(result.error.empty()) << result.error << "\n" << log.str();
  EXPECT_LT(took, 60s) << log.str();
  EXPECT_TRUE(own_namespaces().empty()) << "the bench's testbed outlived it";

  const auto& samples = result.samples[wsfo::bench::kKeepalivedStack];
  ASSERT_EQ(samples.count(TakeoverFigure::hard_loss_from_last_advert), 1u) << log.str();
  const auto& advert = samples.at(TakeoverFigure::hard_loss_from_last_advert).front();
  ASSERT_TRUE(advert.value) << advert.problem << "\n" << log.str();
  const double seconds = std::chrono::duration<double>(*advert.value).count();
  EXPECT_NEAR(seconds, 3.805, 0.15 * 3.805) << log.str();

  // The fault fell after that advert: from the fault, less than the whole interval.
  const auto& fault = samples.at(TakeoverFigure::hard_loss_from_fault).front();
  ASSERT_TRUE(fault.value) << fault.problem;
  EXPECT_LE(*fault.value, *advert.value);
  EXPECT_TRUE(wsfo::bench::takeover_bench_passed(result)) << log.str();
}

// One run of the emulation, hard loss only: the smallest bench there is.
TEST(TakeoverBench, StatusLineShowsTheRunAndTheFaultOnATerminalOnly) {
  wsfo::bench::TakeoverStackFiles files;
  files.wsfo = WSFO_BINARY;
  WSFO_NETNS_SKIP_UNLESS_AVAILABLE(wsfo::bench::takeover_stack_unavailable_reason(wsfo::bench::kEmulationStack, files));
  const std::vector<std::string> args{
      "bench", "takeover", "--runs", "1", "--stacks", wsfo::bench::kEmulationStack, "--hard-loss-only"};
  std::vector<std::string> argv{WSFO_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto terminal = wsfo::test_support::run_on_a_terminal(argv, 60s);
  // 0 or 1: the figures of one run may miss; the status line is what is tested.
  EXPECT_TRUE(terminal.exited_with(0) || terminal.exited_with(1)) << terminal.out;
  const std::string run = "\rbench takeover: run 1 of 1, " + wsfo::bench::kEmulationStack + ": ";
  for (const std::string& shown :
       {"\rbench takeover: setting up the " + wsfo::bench::kEmulationStack + " stack, ", run + "fresh start, ",
        run + "hard loss (SIGKILL of a), ", run + "preempt back (a started again), "})
    EXPECT_NE(terminal.out.find(shown), std::string::npos) << "not shown: " << shown << "\n" << terminal.out;

  auto piped = wsfo::test_support::run_wsfo(args, 60s);
  EXPECT_TRUE(piped.status.exited && (piped.status.code == 0 || piped.status.code == 1)) << piped.err;
  EXPECT_NE(piped.out.find("run 1/1, "), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find('\r'), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find("bench takeover:"), std::string::npos) << piped.out;
}

}  // namespace takeover_bench_test
