#include "core/vrrp/takeover_timing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wsfo::vrrp {

namespace {

std::string seconds_text(Duration value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(value.count()) / 1e9);
  return text;
}

TakeoverSample from_fault(TakeoverFigure figure, const TakeoverRecording& run, const std::string& node,
                          const char* after_what) {
  auto master = first_master_after(run.events, node, run.fault_ns);
  if (!master) return {figure, std::nullopt, std::string("no MASTER of ") + node + " after " + after_what};
  return {figure, Duration(*master - run.fault_ns), ""};
}

}  // namespace

const char* describe(TakeoverFigure figure) {
  switch (figure) {
    case TakeoverFigure::hard_loss_from_fault:
      return "hard loss (SIGKILL), from the fault";
    case TakeoverFigure::hard_loss_from_last_advert:
      return "hard loss (SIGKILL), from the last advert heard";
    case TakeoverFigure::graceful_from_fault:
      return "graceful stop (SIGTERM), from the fault";
    case TakeoverFigure::preempt_from_start:
      return "preempt back, from the higher node's start";
  }
  return "?";
}

TakeoverExpectation expected_takeover(TakeoverFigure figure, const TakeoverSetup& setup) {
  const auto variant = Variant::keepalived_v2;
  const Duration backup_down = master_down_interval(variant, setup.backup_priority, setup.advert_interval);
  const Duration master_down = master_down_interval(variant, setup.master_priority, setup.advert_interval);
  const std::string backup = std::to_string(setup.backup_priority);
  const std::string master = std::to_string(setup.master_priority);
  switch (figure) {
    case TakeoverFigure::hard_loss_from_fault:
      return {backup_down - setup.advert_interval / 2,
              "Master_Down_Interval(" + backup + ") - advert_int/2 at the median phase, range " +
                  seconds_text(backup_down - setup.advert_interval) + "-" + seconds_text(backup_down)};
    case TakeoverFigure::hard_loss_from_last_advert:
      return {backup_down, "Master_Down_Interval(" + backup + ") = 3 x advert_int + (256 - " + backup + ")/256 s"};
    case TakeoverFigure::graceful_from_fault:
      return {skew_time(variant, setup.backup_priority, setup.advert_interval),
              "Skew_Time(" + backup + ") = (256 - " + backup + ")/256 s"};
    case TakeoverFigure::preempt_from_start:
      return {master_down, "Master_Down_Interval(" + master + ") = 3 x advert_int + (256 - " + master + ")/256 s"};
  }
  return {};
}

std::optional<std::int64_t> first_master_after(const std::vector<history::Event>& events, const std::string& node,
                                               std::int64_t after_ns) {
  std::optional<std::int64_t> first;
  for (const auto& event : events) {
    if (event.kind != "vip" || event.t_ns < after_ns) continue;
    if (event.fields.value("node", "") != node || event.fields.value("to", "") != "MASTER") continue;
    if (!first || event.t_ns < *first) first = event.t_ns;
  }
  return first;
}

std::vector<TakeoverSample> hard_loss_samples(const TakeoverRecording& run, const std::string& backup_node) {
  TakeoverSample fault = from_fault(TakeoverFigure::hard_loss_from_fault, run, backup_node, "the fault");
  TakeoverSample advert{TakeoverFigure::hard_loss_from_last_advert, std::nullopt, fault.problem};
  if (fault.value) {
    const std::int64_t master_ns = run.fault_ns + fault.value->count();
    std::optional<std::int64_t> last;
    for (std::int64_t heard : run.adverts_heard_ns)
      if (heard <= master_ns && (!last || heard > *last)) last = heard;
    if (!last) {
      advert.problem = "no advert from the master was captured before " + backup_node + "'s MASTER";
    } else if (*last > run.fault_ns) {
      // A killed master sends nothing: an advert after the fault means the capture saw another sender.
      advert.problem = "an advert was captured " + seconds_text(Duration(*last - run.fault_ns)) + " after the fault";
    } else {
      advert.value = Duration(master_ns - *last);
      advert.problem.clear();
    }
  }
  return {fault, advert};
}

TakeoverSample graceful_sample(const TakeoverRecording& run, const std::string& backup_node) {
  return from_fault(TakeoverFigure::graceful_from_fault, run, backup_node, "the fault");
}

TakeoverSample preempt_sample(const TakeoverRecording& run, const std::string& higher_node) {
  return from_fault(TakeoverFigure::preempt_from_start, run, higher_node, "its start");
}

FigureSummary summarize(const std::vector<TakeoverSample>& samples) {
  FigureSummary summary;
  std::vector<Duration> values;
  for (const auto& sample : samples) {
    ++summary.runs;
    if (sample.value) {
      values.push_back(*sample.value);
    } else {
      ++summary.missing;
    }
  }
  if (values.empty()) return summary;
  std::sort(values.begin(), values.end());
  summary.min = values.front();
  summary.max = values.back();
  const std::size_t middle = values.size() / 2;
  summary.median = values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
  return summary;
}

FigureVerdict judge(const FigureSummary& emulation, const FigureSummary& real, double tolerance) {
  FigureVerdict verdict;
  if (emulation.median && real.median && real.median->count() > 0)
    verdict.ratio = static_cast<double>(emulation.median->count()) / static_cast<double>(real.median->count());
  auto missing = [](const FigureSummary& summary, const char* stack) -> std::string {
    if (summary.runs == 0) return std::string("no ") + stack + " run";
    if (summary.missing == 0) return "";
    return std::to_string(summary.missing) + " of " + std::to_string(summary.runs) + " " + stack +
           " runs gave no value";
  };
  for (const auto& problem : {missing(emulation, "emulation"), missing(real, "real")})
    if (!problem.empty()) verdict.problem += (verdict.problem.empty() ? "" : "; ") + problem;
  verdict.pass = verdict.problem.empty() && verdict.ratio && std::abs(*verdict.ratio - 1.0) <= tolerance;
  return verdict;
}

std::vector<Duration> stratified_phases(std::size_t runs, Duration advert_interval,
                                        const std::vector<double>& uniform_draws) {
  std::vector<Duration> phases;
  for (std::size_t i = 0; i < runs; ++i) {
    double draw = i < uniform_draws.size() ? uniform_draws[i] : 0.5;
    if (!(draw >= 0.0 && draw < 1.0)) draw = 0.5;
    const double fraction = (static_cast<double>(i) + draw) / static_cast<double>(runs);
    phases.push_back(Duration(std::llround(fraction * static_cast<double>(advert_interval.count()))));
  }
  return phases;
}

}  // namespace wsfo::vrrp
