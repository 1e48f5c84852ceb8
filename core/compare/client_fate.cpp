#include "core/compare/client_fate.hpp"

#include <algorithm>
#include <cctype>

#include "core/checks/event_fields.hpp"

namespace wsfo::compare {

std::string_view to_string(Fate fate) {
  switch (fate) {
    case Fate::stayed:
      return "stayed";
    case Fate::closed:
      return "closed";
    case Fate::dead_noticed_late:
      return "dead, noticed late";
    case Fate::dead_unnoticed:
      return "dead, not noticed";
    case Fate::noticed_earlier_dead:
      return "noticed an earlier dead connection";
  }
  return "?";
}

bool disconnected_in_window(Fate fate) {
  return fate == Fate::closed || fate == Fate::dead_noticed_late || fate == Fate::noticed_earlier_dead;
}

bool silent_in_window(Fate fate) { return fate == Fate::dead_noticed_late || fate == Fate::dead_unnoticed; }

bool Disconnect::is_reset() const {
  std::string lower(reason);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return closed_by == "network" && lower.find("reset") != std::string::npos;
}

namespace {

void index_disconnects(const RunView& run, std::size_t w, std::map<std::uint64_t, SideFate>& fates) {
  const checks::EventWindow& window = run.windows[w];
  auto it = std::partition_point(run.history.begin(), run.history.end(),
                                 [&](const history::Event& e) { return e.t_ns < window.start_ns; });
  for (; it != run.history.end() && it->t_ns < window.end_ns; ++it) {
    if (it->kind != "disconnected" || !it->router_id) continue;
    auto [entry, fresh] = fates.try_emplace(*it->router_id);
    if (!fresh) continue;
    entry->second.fate = Fate::closed;
    entry->second.disconnect = Disconnect{checks::disconnect_cause(*it), checks::field_string(*it, "reason"),
                                          checks::field_string(*it, "closed_by"), it->t_ns - window.start_ns};
  }
}

}  // namespace

FateIndex::FateIndex(const RunView& run) : by_window_(run.windows.size()) {
  for (std::size_t w = 0; w < run.windows.size(); ++w) index_disconnects(run, w, by_window_[w]);
  for (const checks::SilentWindow& silent : run.silent) {
    if (silent.window >= run.windows.size()) continue;
    const checks::EventWindow& window = run.windows[silent.window];
    for (const checks::SilentGroup& group : silent.groups) {
      for (const checks::DeadClient& client : group.clients) {
        SideFate& f = by_window_[silent.window][client.router_id];
        f.dead_after_ns = client.dead_since_ns - window.start_ns;
        if (client.noticed_ns) f.noticed_after_ns = *client.noticed_ns - window.start_ns;
        const bool noticed_in_window = client.noticed_ns && *client.noticed_ns < window.end_ns;
        if (!noticed_in_window)
          f.fate = Fate::dead_unnoticed;
        else if (*client.noticed_ns - client.dead_since_ns <= checks::kNoticedAtOnceNs)
          f.fate = Fate::closed;  // the same rule as the report's "noticed at once"
        else
          f.fate = Fate::dead_noticed_late;
        if (!client.noticed_ns || noticed_in_window) continue;
        // Noticed at a later event: there, its disconnect is that late notice.
        int later = checks::window_of(run.windows, *client.noticed_ns);
        if (later <= static_cast<int>(silent.window)) continue;
        auto it = by_window_[static_cast<std::size_t>(later)].find(client.router_id);
        if (it != by_window_[static_cast<std::size_t>(later)].end() && it->second.fate == Fate::closed &&
            !it->second.dead_after_ns) {
          it->second.fate = Fate::noticed_earlier_dead;
          it->second.dead_since_event = silent.window;
        }
      }
    }
  }
}

SideFate FateIndex::fate(std::size_t window, std::uint64_t router_id) const {
  if (window >= by_window_.size()) return {};
  auto it = by_window_[window].find(router_id);
  return it == by_window_[window].end() ? SideFate{} : it->second;
}

std::vector<std::uint64_t> FateIndex::touched(std::size_t window) const {
  std::vector<std::uint64_t> ids;
  if (window >= by_window_.size()) return ids;
  for (const auto& [id, fate] : by_window_[window]) ids.push_back(id);  // std::map: sorted
  return ids;
}

}  // namespace wsfo::compare
