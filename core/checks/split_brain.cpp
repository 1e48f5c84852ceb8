#include "core/checks/split_brain.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "core/checks/event_fields.hpp"

namespace wsfo::checks {

namespace {

// A node entering or leaving MASTER; an empty instance: every instance (a kill).
struct MasterChange {
  std::int64_t t_ns = 0;
  std::string instance;
  std::string node;
  std::string vip;
  bool master = false;
};

std::vector<MasterChange> master_changes(std::span<const history::Event> history,
                                         std::span<const EventWindow> windows) {
  std::vector<MasterChange> changes;
  for (const auto& event : history)
    if (event.kind == "vip")
      changes.push_back({event.t_ns, field_string(event, "instance"), field_string(event, "node"),
                         field_string(event, "vip"), field_string(event, "to") == "MASTER"});
  for (const auto& window : windows)
    if (!window.node_down.empty()) changes.push_back({window.start_ns, "", window.node_down, "", false});
  // At one instant, leaving MASTER comes first: touching intervals do not overlap.
  std::stable_sort(changes.begin(), changes.end(), [](const MasterChange& a, const MasterChange& b) {
    return a.t_ns != b.t_ns ? a.t_ns < b.t_ns : (!a.master && b.master);
  });
  return changes;
}

struct MasterSet {
  std::string vip;
  std::set<std::string> masters;
  std::optional<SplitBrain> open;
};

void apply(MasterSet& state, const std::string& instance, const MasterChange& change, std::int64_t handover_ns,
           std::vector<SplitBrain>& out) {
  if (change.master)
    state.masters.insert(change.node);
  else
    state.masters.erase(change.node);
  if (state.masters.size() >= 2) {
    if (!state.open) state.open = SplitBrain{instance, state.vip, {}, change.t_ns, change.t_ns, false};
    for (const auto& node : state.masters)
      if (std::find(state.open->nodes.begin(), state.open->nodes.end(), node) == state.open->nodes.end())
        state.open->nodes.push_back(node);
  } else if (state.open) {
    state.open->to_ns = change.t_ns;
    std::sort(state.open->nodes.begin(), state.open->nodes.end());
    if (state.open->to_ns - state.open->from_ns > handover_ns) out.push_back(std::move(*state.open));
    state.open.reset();
  }
}

std::string split_seconds(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(ns) / 1e9);
  return text;
}

}  // namespace

std::vector<SplitBrain> find_split_brains(std::span<const history::Event> history, std::span<const EventWindow> windows,
                                          std::int64_t end_ns, const std::map<std::string, std::int64_t>& advert_ns) {
  auto handover_ns = [&](const std::string& instance) {
    auto it = advert_ns.find(instance);
    return it == advert_ns.end() ? std::int64_t{0} : std::max<std::int64_t>(it->second - 1, 0);
  };
  std::map<std::string, MasterSet> instances;
  std::vector<SplitBrain> out;
  for (const auto& change : master_changes(history, windows)) {
    if (change.t_ns > end_ns) break;
    if (change.instance.empty()) {  // a node taken down leaves MASTER on every instance
      for (auto& [instance, state] : instances)
        if (state.masters.count(change.node)) apply(state, instance, change, handover_ns(instance), out);
      continue;
    }
    MasterSet& state = instances[change.instance];
    if (!change.vip.empty()) state.vip = change.vip;
    apply(state, change.instance, change, handover_ns(change.instance), out);
  }
  for (auto& [instance, state] : instances) {
    if (!state.open || end_ns <= state.open->from_ns) continue;
    state.open->to_ns = end_ns;
    state.open->until_end = true;
    std::sort(state.open->nodes.begin(), state.open->nodes.end());
    out.push_back(std::move(*state.open));
  }
  std::sort(out.begin(), out.end(), [](const SplitBrain& a, const SplitBrain& b) {
    return a.from_ns != b.from_ns ? a.from_ns < b.from_ns : a.instance < b.instance;
  });
  return out;
}

std::string describe(const SplitBrain& split, std::int64_t origin_ns) {
  std::string nodes;
  for (const auto& node : split.nodes) nodes += (nodes.empty() ? "" : " + ") + node;
  auto at = [&](std::int64_t t) {
    std::string text = split_seconds(t - origin_ns);
    return text[0] == '-' ? text : "+" + text;
  };
  return split.instance + (split.vip.empty() ? "" : " (" + split.vip + ")") + ": " + nodes + " MASTER from " +
         at(split.from_ns) + " to " + at(split.to_ns) + (split.until_end ? " (the run's end)" : "") + " (" +
         split_seconds(split.to_ns - split.from_ns) + ")";
}

Verdict judge_split_brain(bool expected, const EventWindow& window, std::span<const SplitBrain> found,
                          std::span<const history::Event> history) {
  Verdict verdict{window.index,
                  "split-brain",
                  Status::unknown,
                  expected ? "two or more nodes MASTER for one VIP at once (split brain) in this event's window"
                           : "never two nodes MASTER for one VIP at once in this event's window",
                  "",
                  ""};
  bool vrrp_seen = false;
  std::size_t bind_failures = 0;
  for (const auto& event : history) {
    vrrp_seen = vrrp_seen || event.kind == "vip";
    bind_failures += event.kind == "vip-bind-failed" && event.t_ns >= window.start_ns && event.t_ns < window.end_ns;
  }
  if (!vrrp_seen) {
    verdict.evidence = "no VRRP state events in the history";
    return verdict;
  }
  std::size_t overlapping = 0;
  for (const auto& split : found) {
    if (split.from_ns >= window.end_ns || split.to_ns <= window.start_ns) continue;
    ++overlapping;
    verdict.actual += (verdict.actual.empty() ? "" : "; ") + describe(split, window.start_ns);
  }
  verdict.actual = overlapping == 0 ? "no split brain" : verdict.actual + " (times from the event)";
  if (bind_failures)
    verdict.evidence = std::to_string(bind_failures) + " failed VIP bind(s) in the window (address held elsewhere)";
  verdict.status = (overlapping > 0) == expected ? Status::pass : Status::fail;
  return verdict;
}

}  // namespace wsfo::checks
