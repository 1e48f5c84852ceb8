#include "core/checks/history_checks.hpp"

#include <algorithm>

#include "core/checks/expectation_verdicts.hpp"
#include "core/checks/split_brain.hpp"
#include "core/checks/window_facts.hpp"

namespace wsfo::checks {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::unknown:
      return "unknown";
  }
  return "unknown";
}

bool Analysis::passed() const {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.status == Status::pass; });
}

int window_of(std::span<const EventWindow> windows, std::int64_t t_ns) {
  int found = -1;
  for (std::size_t i = 0; i < windows.size(); ++i)
    if (windows[i].start_ns <= t_ns) found = static_cast<int>(i);
  return found;
}

Analysis analyse(std::span<const history::Event> history, std::span<const EventWindow> windows,
                 std::span<const std::uint64_t> population, std::uint32_t modulus,
                 const std::map<std::string, std::int64_t>& advert_ns) {
  Analysis analysis;
  ConnectIndex connects = index_connects(history);
  analysis.dual_service = find_dual_service(history);
  analysis.windows.resize(windows.size());
  for (std::size_t i = 0; i < windows.size(); ++i) collect_window(history, windows[i], connects, analysis.windows[i]);
  for (const auto& dual : analysis.dual_service) {
    int w = window_of(windows, dual.t_ns);
    if (w >= 0) analysis.windows[static_cast<std::size_t>(w)].dual_service.push_back(dual);
  }
  const std::int64_t end_ns = !windows.empty() ? windows.back().end_ns : (history.empty() ? 0 : history.back().t_ns);
  analysis.split_brains = find_split_brains(history, windows, end_ns, advert_ns);
  for (std::size_t i = 0; i < windows.size(); ++i)
    judge_window(windows[i], analysis.windows[i], history, analysis.split_brains, population, modulus,
                 analysis.verdicts);
  return analysis;
}

}  // namespace wsfo::checks
