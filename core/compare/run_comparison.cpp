#include "core/compare/run_comparison.hpp"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <set>

namespace wsfo::compare {

namespace {

SideFigures figures(const RunView& run, std::size_t w) {
  SideFigures f;
  if (w < run.facts.size()) {
    const checks::WindowFacts& facts = run.facts[w];
    f.disconnected = facts.disconnected.size();
    f.reconnected = facts.reconnect_latency.count();
    if (f.reconnected > 0) f.reconnect_p99_ns = facts.reconnect_latency.percentile(99).count();
  }
  for (const checks::Takeover& t : run.takeovers)
    if (t.event == run.windows[w].index) f.takeover_ns.emplace(t.instance, t.after_ns);
  for (const checks::SilentWindow& s : run.silent) {
    if (s.window != w) continue;
    for (const checks::SilentGroup& g : s.groups) {
      f.silent_affected += g.affected;
      f.silent_noticed_later += g.noticed_later;
      f.silent_not_noticed += g.not_noticed;
    }
  }
  return f;
}

std::vector<std::uint64_t> minus(const std::vector<std::uint64_t>& from, const std::vector<std::uint64_t>& take) {
  std::vector<std::uint64_t> out;
  std::set_difference(from.begin(), from.end(), take.begin(), take.end(), std::back_inserter(out));
  return out;
}

std::vector<std::uint64_t> disconnected(const RunView& run, std::size_t w) {
  if (w >= run.facts.size()) return {};
  std::vector<std::uint64_t> ids = run.facts[w].disconnected;
  std::sort(ids.begin(), ids.end());
  return ids;
}

void compare_takeovers(const EventComparison& event, std::vector<TakeoverDifference>& out) {
  std::set<std::string> vips;
  for (const auto& [vip, ns] : event.a.takeover_ns) vips.insert(vip);
  for (const auto& [vip, ns] : event.b.takeover_ns) vips.insert(vip);
  for (const std::string& vip : vips) {
    auto in = [&](const SideFigures& side) -> std::optional<std::int64_t> {
      auto it = side.takeover_ns.find(vip);
      return it == side.takeover_ns.end() ? std::nullopt : std::optional(it->second);
    };
    if (takeovers_differ(in(event.a), in(event.b))) out.push_back({event.index, vip, in(event.a), in(event.b)});
  }
}

}  // namespace

bool takeovers_differ(std::optional<std::int64_t> a_ns, std::optional<std::int64_t> b_ns) {
  if (!a_ns || !b_ns) return a_ns.has_value() != b_ns.has_value();
  const double larger = static_cast<double>(std::max(std::abs(*a_ns), std::abs(*b_ns)));
  const double tolerance = std::max(kTakeoverTolerance * larger, static_cast<double>(kTakeoverToleranceFloorNs));
  return static_cast<double>(std::abs(*a_ns - *b_ns)) > tolerance;
}

std::size_t Comparison::unexplained() const {
  return static_cast<std::size_t>(std::count_if(differences.begin(), differences.end(), [](const FateDifference& d) {
    return d.mechanism == Mechanism::unexplained;
  }));
}

std::map<Mechanism, std::size_t> Comparison::count_by_mechanism() const {
  std::map<Mechanism, std::size_t> counts;
  for (const FateDifference& d : differences) ++counts[d.mechanism];
  return counts;
}

Comparison compare_runs(const RunView& a, const RunView& b) {
  Comparison out;
  out.label_a = a.label;
  out.label_b = b.label;
  if (a.windows.size() != b.windows.size())
    out.problems.push_back("the runs played different timelines: " + std::to_string(a.windows.size()) + " events on " +
                           a.label + ", " + std::to_string(b.windows.size()) + " on " + b.label);
  if (a.facts.size() != a.windows.size() || b.facts.size() != b.windows.size())
    out.problems.push_back("a run's window facts do not match its windows");
  const std::size_t events = std::min(a.windows.size(), b.windows.size());
  for (std::size_t w = 0; w < events; ++w)
    if (a.windows[w].name != b.windows[w].name)
      out.problems.push_back("event #" + std::to_string(w) + " is " + a.windows[w].name + " on " + a.label + " but " +
                             b.windows[w].name + " on " + b.label);
  if (!out.problems.empty()) return out;

  const FateIndex fates_a(a), fates_b(b);
  for (std::size_t w = 0; w < events; ++w) {
    EventComparison event;
    event.index = a.windows[w].index;
    event.action = a.windows[w].name;
    event.a = figures(a, w);
    event.b = figures(b, w);
    const auto gone_a = disconnected(a, w), gone_b = disconnected(b, w);
    event.disconnected_only_a = minus(gone_a, gone_b);
    event.disconnected_only_b = minus(gone_b, gone_a);
    compare_takeovers(event, out.takeover_differences);

    std::set<std::uint64_t> touched;
    for (auto id : fates_a.touched(w)) touched.insert(id);
    for (auto id : fates_b.touched(w)) touched.insert(id);
    for (std::uint64_t id : touched) {
      SideFate fa = fates_a.fate(w, id), fb = fates_b.fate(w, id);
      if (!fates_differ(fa, fb)) continue;
      Mechanism mechanism = classify(fa, fb, event.action);
      out.differences.push_back({event.index, id, mechanism, std::move(fa), std::move(fb)});
    }
    out.events.push_back(std::move(event));
  }
  return out;
}

}  // namespace wsfo::compare
