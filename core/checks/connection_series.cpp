#include "core/checks/connection_series.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace wsfo::checks {

namespace {

std::string text_field(const history::Event& event, const char* name) {
  auto it = event.fields.find(name);
  return it != event.fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<SeriesPoint> connections_per_unit(std::span<const history::Event> history, std::int64_t start_ns,
                                              std::int64_t end_ns, std::size_t points) {
  std::vector<SeriesPoint> series;
  if (points < 2 || end_ns <= start_ns) return series;
  std::map<std::string, std::int64_t> open;
  std::unordered_map<std::uint64_t, std::string> last_unit;
  std::set<std::string> units;
  for (const auto& event : history)
    if (event.kind == "connected") units.insert(text_field(event, "unit"));
  for (const auto& unit : units) open[unit] = 0;

  auto next_event = history.begin();
  for (std::size_t i = 0; i < points; ++i) {
    std::int64_t t =
        start_ns + (end_ns - start_ns) * static_cast<std::int64_t>(i) / static_cast<std::int64_t>(points - 1);
    for (; next_event != history.end() && next_event->t_ns <= t; ++next_event) {
      const history::Event& event = *next_event;
      if (!event.router_id) continue;
      if (event.kind == "connected") {
        std::string unit = text_field(event, "unit");
        last_unit[*event.router_id] = unit;
        ++open[unit];
      } else if (event.kind == "disconnected") {
        std::string unit = text_field(event, "unit");
        if (unit.empty()) unit = last_unit[*event.router_id];
        if (open.count(unit) && open[unit] > 0) --open[unit];
      }
    }
    series.push_back({t, open});
  }
  return series;
}

std::vector<VipTransition> vip_transitions(std::span<const history::Event> history) {
  std::vector<VipTransition> out;
  for (const auto& event : history)
    if (event.kind == "vip")
      out.push_back({event.t_ns, text_field(event, "instance"), text_field(event, "node"), text_field(event, "from"),
                     text_field(event, "to"), text_field(event, "reason")});
  return out;
}

std::vector<Takeover> takeovers(std::span<const VipTransition> transitions, std::span<const EventWindow> windows) {
  std::vector<Takeover> out;
  for (const auto& window : windows) {
    std::set<std::string> seen;
    for (const auto& t : transitions) {
      if (t.t_ns < window.start_ns || t.t_ns >= window.end_ns || t.to != "MASTER") continue;
      if (!seen.insert(t.instance).second) continue;
      out.push_back({window.index, t.instance, t.node, t.t_ns - window.start_ns});
    }
  }
  return out;
}

}  // namespace wsfo::checks
