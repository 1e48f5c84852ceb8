#include "core/checks/unfinished_verdicts.hpp"

#include "core/checks/expectation_verdicts.hpp"

namespace wsfo::checks {

namespace {

// A failed action is a fact about what was played, whatever came after.
bool stands_alone(const Verdict& verdict) { return verdict.check == "action"; }

}  // namespace

void judge_unfinished(Analysis& analysis, std::span<const EventWindow> windows, const Unfinished& unfinished,
                      std::span<const std::uint64_t> population, std::uint32_t modulus) {
  if (unfinished.last_window_cut && !windows.empty()) {
    const EventWindow& cut = windows.back();
    const std::string why = "its window was cut short by " + unfinished.when + ", " +
                            std::to_string((unfinished.planned_end_ns - cut.end_ns) / 1'000'000) +
                            " ms before its planned end";
    for (Verdict& verdict : analysis.verdicts) {
      if (verdict.event != cut.index || stands_alone(verdict) || verdict.status == Status::unknown) continue;
      const std::string so_far = std::string(to_string(verdict.status));
      verdict.status = Status::unknown;
      verdict.evidence = why + "; so far it would " + (so_far == "pass" ? "pass" : "fail") +
                         (verdict.evidence.empty() ? "" : " (" + verdict.evidence + ")");
    }
  }
  for (const EventWindow& never : unfinished.unplayed) {
    std::vector<Verdict> verdicts;
    judge_window(never, WindowFacts{}, {}, {}, population, modulus, verdicts);
    for (Verdict& verdict : verdicts) {
      verdict.status = Status::unknown;
      verdict.actual = "not played";
      verdict.evidence = "the run was stopped by " + unfinished.when + " before this event";
      analysis.verdicts.push_back(std::move(verdict));
    }
  }
}

}  // namespace wsfo::checks
