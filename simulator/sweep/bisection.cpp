#include "simulator/sweep/bisection.hpp"

#include <algorithm>
#include <cmath>

namespace wsfo::sweep {

SweepSearch bisect(std::uint64_t from, std::uint64_t to, std::uint64_t precision,
                   const std::function<Trial(std::uint64_t population)>& run_trial) {
  SweepSearch search;
  precision = std::max<std::uint64_t>(precision, 1);
  // Runs one trial; false when it could not be judged (the search stops).
  auto judge = [&](std::uint64_t population) {
    search.trials.push_back(run_trial(population));
    const Trial& trial = search.trials.back();
    if (trial.verdict == TrialVerdict::error) {
      search.outcome = SweepOutcome::trial_error;
      return false;
    }
    if (trial.verdict == TrialVerdict::pass)
      search.passing = population;
    else
      search.failing = population;
    return true;
  };
  if (!judge(to)) return search;
  if (search.passing) {
    search.outcome = SweepOutcome::holds_at_to;
    return search;
  }
  if (from < to && !judge(from)) return search;
  if (!search.passing) {  // FROM failed too (or is TO)
    search.outcome = SweepOutcome::fails_at_from;
    return search;
  }
  // Invariant: *passing passes, *failing fails, passing < failing.
  while (*search.failing - *search.passing > precision) {
    std::uint64_t middle = *search.passing + (*search.failing - *search.passing) / 2;
    if (!judge(middle)) return search;
  }
  search.outcome = SweepOutcome::knee;
  return search;
}

std::optional<std::uint64_t> parse_precision(const std::string& text, std::uint64_t from, std::uint64_t to) {
  const double span = static_cast<double>(to - from);
  if (text.empty()) return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::floor(span / 100)));
  bool percent = text.back() == '%';
  std::string number = percent ? text.substr(0, text.size() - 1) : text;
  if (number.empty() || number.size() > 15) return std::nullopt;
  std::size_t dots = 0;
  for (char c : number) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return std::nullopt;
  }
  if (dots > (percent ? 1u : 0u) || number == ".") return std::nullopt;
  double value = std::stod(number);
  if (value <= 0 || (percent && value > 100)) return std::nullopt;
  if (!percent) return static_cast<std::uint64_t>(value);
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::floor(span * value / 100)));
}

std::string outcome_name(SweepOutcome outcome) {
  switch (outcome) {
    case SweepOutcome::knee:
      return "knee";
    case SweepOutcome::holds_at_to:
      return "holds-at-to";
    case SweepOutcome::fails_at_from:
      return "fails-at-from";
    case SweepOutcome::trial_error:
      return "trial-error";
  }
  return "trial-error";
}

std::string verdict_name(TrialVerdict verdict) {
  switch (verdict) {
    case TrialVerdict::pass:
      return "pass";
    case TrialVerdict::fail:
      return "fail";
    case TrialVerdict::error:
      return "error";
  }
  return "error";
}

}  // namespace wsfo::sweep
