#include "simulator/bench/takeover_bench.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <random>
#include <thread>

#include "process/live_clock.hpp"

namespace wsfo::bench {

namespace {

using namespace std::chrono_literals;
using process::LiveClock;
using vrrp::TakeoverFigure;
using vrrp::TakeoverRecording;

// Polls the stack's events until `node` enters MASTER at or after `after_ns`.
std::optional<std::int64_t> wait_for_master(TakeoverStack& stack, const std::string& node, std::int64_t after_ns,
                                            std::chrono::milliseconds timeout) {
  const auto deadline = LiveClock::now() + timeout;
  while (true) {
    if (auto at = vrrp::first_master_after(stack.events(), node, after_ns)) return at;
    if (LiveClock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

void sleep_until_ns(std::int64_t t_ns) {
  const auto now = LiveClock::now_ns();
  if (t_ns > now) std::this_thread::sleep_for(std::chrono::nanoseconds(t_ns - now));
}

// a MASTER, b BACKUP having heard a's adverts, the fault due `phase` after an
// advert of a's: "" or what went wrong. Returns when the fault is due.
std::string fresh_start(TakeoverStack& stack, vrrp::Duration phase, const vrrp::TakeoverSetup& setup) {
  if (auto e = stack.reset(); !e.empty()) return e;
  const std::int64_t began = LiveClock::now_ns();
  // a first: its Master_Down_Interval is the shorter, so it wins the first election.
  if (auto e = stack.start(kTakeoverHigher); !e.empty()) return e;
  if (auto e = stack.start(kTakeoverLower); !e.empty()) return e;
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      vrrp::master_down_interval(vrrp::Variant::keepalived_v2, setup.master_priority, setup.advert_interval) + 4s);
  auto master = wait_for_master(stack, kTakeoverHigher, began, timeout);
  if (!master) return "a never became MASTER after the start";
  if (vrrp::first_master_after(stack.events(), kTakeoverLower, began))
    return "b became MASTER at the start (a's adverts did not reach it in time)";
  // The phase is counted from an advert b received after a's MASTER.
  const auto deadline = LiveClock::now() + 3 * setup.advert_interval;
  std::int64_t anchor = 0;
  while (LiveClock::now() < deadline) {
    auto heard = stack.adverts_heard();
    if (!heard.empty() && heard.back() > *master + 50'000'000) {
      anchor = heard.back();
      break;
    }
    std::this_thread::sleep_for(2ms);
  }
  if (anchor == 0) return "b heard no advert from a after a's MASTER";
  sleep_until_ns(anchor + phase.count());
  return "";
}

std::string seconds(std::optional<vrrp::Duration> value) {
  if (!value) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(value->count()) / 1e9);
  return text;
}

std::string summary_text(const vrrp::FigureSummary& summary) {
  if (summary.runs == 0) return "not measured";
  std::string text = seconds(summary.median) + " s (" + seconds(summary.min) + "-" + seconds(summary.max) + ", " +
                     std::to_string(summary.runs - summary.missing) + "/" + std::to_string(summary.runs) + ")";
  return text;
}

class BenchRuns {
 public:
  BenchRuns(const TakeoverBenchOptions& options, TakeoverBenchResult& result, std::ostream& log)
      : options_(options), result_(result), log_(log) {}

  void record(const TakeoverStack& stack, const vrrp::TakeoverSample& sample) {
    result_.samples[stack.name()][sample.figure].push_back(sample);
    log_ << "    " << vrrp::describe(sample.figure) << ": "
         << (sample.value ? seconds(sample.value) + " s" : "no value (" + sample.problem + ")") << "\n";
  }

  // Hard loss, then the preempt back. "" or why the stack could not be driven.
  // What the status line shows before each step: "run 2 of 5, keepalived".
  void name_run(std::string run) { run_ = std::move(run); }

  std::string hard_loss(TakeoverStack& stack, vrrp::Duration phase) {
    doing("fresh start");
    if (auto e = fresh_start(stack, phase, options_.setup); !e.empty()) return e;
    doing("hard loss (SIGKILL of a)");
    TakeoverRecording run;
    run.fault_ns = LiveClock::now_ns();
    if (auto e = stack.fault(kTakeoverHigher, SIGKILL); !e.empty()) return e;
    wait_for_master(stack, kTakeoverLower, run.fault_ns, 8s);
    run.events = stack.events();
    run.adverts_heard_ns = stack.adverts_heard();
    auto samples = vrrp::hard_loss_samples(run, kTakeoverLower);
    for (const auto& sample : samples) record(stack, sample);
    if (!samples.front().value) return "";  // no takeover: nothing to preempt back from

    doing("preempt back (a started again)");
    TakeoverRecording preempt;
    preempt.fault_ns = LiveClock::now_ns();
    if (auto e = stack.start(kTakeoverHigher); !e.empty()) return e;
    wait_for_master(stack, kTakeoverHigher, preempt.fault_ns, 8s);
    preempt.events = stack.events();
    record(stack, vrrp::preempt_sample(preempt, kTakeoverHigher));
    return "";
  }

  std::string graceful(TakeoverStack& stack, vrrp::Duration phase) {
    doing("fresh start");
    if (auto e = fresh_start(stack, phase, options_.setup); !e.empty()) return e;
    doing("graceful stop (SIGTERM of a)");
    TakeoverRecording run;
    run.fault_ns = LiveClock::now_ns();
    if (auto e = stack.fault(kTakeoverHigher, SIGTERM); !e.empty()) return e;
    wait_for_master(stack, kTakeoverLower, run.fault_ns, 4s);
    run.events = stack.events();
    record(stack, vrrp::graceful_sample(run, kTakeoverLower));
    return "";
  }

 private:
  void doing(const std::string& step) { process::show_doing(options_.status, run_ + ": " + step); }

  const TakeoverBenchOptions& options_;
  TakeoverBenchResult& result_;
  std::ostream& log_;
  std::string run_;
};

std::unique_ptr<TakeoverStack> make_stack(const std::string& name, const TakeoverBenchOptions& options,
                                          std::string& error) {
  if (name == kEmulationStack) return make_emulation_stack(options.files, options.setup, error);
  if (name == kKeepalivedStack) return make_keepalived_stack(options.files, options.setup, error);
  error = "unknown stack '" + name + "'";
  return nullptr;
}

}  // namespace

TakeoverBenchResult run_takeover_bench(const TakeoverBenchOptions& options, std::ostream& log) {
  TakeoverBenchResult result;
  result.stacks = options.stacks;
  std::vector<std::unique_ptr<TakeoverStack>> stacks;
  for (const auto& name : options.stacks) {
    process::show_doing(options.status, "setting up the " + name + " stack");
    std::string error;
    auto stack = make_stack(name, options, error);
    if (!stack) {
      result.error = error;
      return result;
    }
    stacks.push_back(std::move(stack));
  }
  std::mt19937_64 random(options.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> draws;
  for (std::size_t i = 0; i < options.runs; ++i) draws.push_back(uniform(random));
  const auto phases = vrrp::stratified_phases(options.runs, options.setup.advert_interval, draws);

  BenchRuns runs(options, result, log);
  // Run i of every stack before run i + 1 of any: a load that varies over the
  // bench falls on both stacks alike.
  for (std::size_t i = 0; i < options.runs; ++i) {
    for (auto& stack : stacks) {
      log << "run " << i + 1 << "/" << options.runs << ", " << stack->name() << ", fault phase " << seconds(phases[i])
          << " s after an advert\n"
          << std::flush;
      runs.name_run("run " + std::to_string(i + 1) + " of " + std::to_string(options.runs) + ", " + stack->name());
      std::string error = runs.hard_loss(*stack, phases[i]);
      if (error.empty() && options.graceful) error = runs.graceful(*stack, phases[i]);
      if (!error.empty()) {
        result.error = stack->name() + ", run " + std::to_string(i + 1) + ": " + error;
        return result;
      }
      log << std::flush;
    }
  }
  process::show_doing(options.status, "stopping the stacks");
  for (auto& stack : stacks) stack->reset();
  return result;
}

void print_takeover_table(const TakeoverBenchResult& result, const vrrp::TakeoverSetup& setup, std::ostream& out) {
  const bool compared = result.stacks.size() == 2;
  out << "VRRP takeover, advert_int " << seconds(setup.advert_interval) << " s, priorities " << setup.master_priority
      << " (a) / " << setup.backup_priority << " (b); median (min-max, runs with a value/runs)\n";
  for (TakeoverFigure figure : vrrp::kTakeoverFigures) {
    auto expected = vrrp::expected_takeover(figure, setup);
    out << "\n"
        << vrrp::describe(figure) << "\n"
        << "  " << std::left << std::setw(24) << "keepalived's timers:" << seconds(expected.value) << " s ("
        << expected.formula << ")\n";
    std::map<std::string, vrrp::FigureSummary> summaries;
    for (const auto& stack : result.stacks) {
      auto found = result.samples.find(stack);
      std::vector<vrrp::TakeoverSample> none;
      const auto& samples =
          found == result.samples.end() || !found->second.count(figure) ? none : found->second.at(figure);
      summaries[stack] = vrrp::summarize(samples);
      out << "  " << std::left << std::setw(24) << (stack + ":") << summary_text(summaries[stack]) << "\n";
      for (const auto& sample : samples)
        if (!sample.value) out << "    " << sample.problem << "\n";
    }
    const bool measured =
        std::any_of(summaries.begin(), summaries.end(), [](const auto& entry) { return entry.second.runs > 0; });
    if (!compared || !measured) continue;
    auto verdict = vrrp::judge(summaries[result.stacks[0]], summaries[result.stacks[1]]);
    char ratio[32] = "-";
    if (verdict.ratio) std::snprintf(ratio, sizeof ratio, "%.3f", *verdict.ratio);
    out << "  " << std::left << std::setw(24) << (result.stacks[0] + "/" + result.stacks[1] + ":") << ratio << "  "
        << (verdict.pass ? "PASS" : "FAIL") << " (within " << static_cast<int>(vrrp::kTakeoverTolerance * 100) << "%)"
        << (verdict.problem.empty() ? "" : ": " + verdict.problem) << "\n";
  }
}

bool takeover_bench_passed(const TakeoverBenchResult& result) {
  if (!result.error.empty() || result.stacks.empty()) return false;
  for (TakeoverFigure figure : vrrp::kTakeoverFigures) {
    std::vector<vrrp::FigureSummary> summaries;
    for (const auto& stack : result.stacks) {
      auto found = result.samples.find(stack);
      bool measured = found != result.samples.end() && found->second.count(figure);
      summaries.push_back(measured ? vrrp::summarize(found->second.at(figure)) : vrrp::FigureSummary{});
    }
    // A figure no stack measured (the graceful stop when left out) is not judged.
    if (std::all_of(summaries.begin(), summaries.end(), [](const auto& s) { return s.runs == 0; })) continue;
    if (summaries.size() == 2) {
      if (!vrrp::judge(summaries[0], summaries[1]).pass) return false;
    } else if (summaries.front().missing > 0) {
      return false;
    }
  }
  return true;
}

}  // namespace wsfo::bench
