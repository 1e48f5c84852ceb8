#include "core/checks/window_facts.hpp"

#include <algorithm>
#include <map>

#include "core/checks/event_fields.hpp"

namespace wsfo::checks {

ConnectIndex index_connects(std::span<const history::Event> history) {
  ConnectIndex index;
  for (const auto& event : history)
    if (event.kind == "connected" && event.router_id)
      index[*event.router_id].emplace_back(event.t_ns, field_string(event, "unit"));
  return index;
}

// Open connections per routerId per unit; two units at once is dual service.
std::vector<DualService> find_dual_service(std::span<const history::Event> history) {
  std::unordered_map<std::uint64_t, std::map<std::string, int>> open;
  std::unordered_map<std::uint64_t, std::string> last_unit;
  std::vector<DualService> found;
  for (const auto& event : history) {
    if (!event.router_id) continue;
    std::uint64_t id = *event.router_id;
    if (event.kind == "connected") {
      std::string unit = field_string(event, "unit");
      last_unit[id] = unit;
      auto& units = open[id];
      ++units[unit];
      if (units.size() > 1) {
        DualService dual{id, event.t_ns, {}};
        for (const auto& [name, count] : units) dual.units.push_back(name);
        found.push_back(std::move(dual));
      }
    } else if (event.kind == "disconnected") {
      std::string unit = field_string(event, "unit");
      if (unit.empty()) unit = last_unit[id];
      auto& units = open[id];
      auto it = units.find(unit);
      if (it != units.end() && --it->second <= 0) units.erase(it);
    }
  }
  return found;
}

std::string disconnect_cause(const history::Event& event) {
  std::string cause = field_string(event, "cause");
  auto code_it = event.fields.find("code");
  std::uint64_t code =
      code_it != event.fields.end() && code_it->is_number_integer() ? field_unsigned(event, "code") : 0;
  if (code == 4001) return "moved (4001)";
  if (code == 1001) return "shutdown (1001)";
  if (code == 1011 || code == 1012 || code == 1014) return "backend gone (" + std::to_string(code) + ")";
  if (cause == "connection_lost") return "node lost";
  if (cause == "idle_timeout" || cause == "pong_timeout") return "idle timeout";
  if (cause.empty()) cause = "unknown";
  return code ? cause + " (" + std::to_string(code) + ")" : cause;
}

namespace {

// The client gave up a redirect chain: it came back to a URL (redirect_loop)
// or exceeded its hop bound, which the scenario counts as a loop too.
bool is_redirect_loop(const history::Event& event) {
  std::string error = field_string(event, "error");
  return error == "redirect_loop" || error == "too_many_redirects";
}

// Per routerId within a window: the URLs its current redirect chain left,
// and the units that served it, to spot it being sent back and forth.
class BounceFinder {
 public:
  void see(const history::Event& event) {
    if (!event.router_id) return;
    std::uint64_t id = *event.router_id;
    Trail& trail = trails_[id];
    if (event.kind == "attempt") {
      trail.left.clear();
    } else if (event.kind == "redirect") {
      std::string to = field_string(event, "to");
      if (std::find(trail.left.begin(), trail.left.end(), to) != trail.left.end())
        found(id, event.t_ns, "redirected back to " + to);
      trail.left.push_back(field_string(event, "from"));
    } else if (event.kind == "rejected" && is_redirect_loop(event)) {
      found(id, event.t_ns, "redirect loop: " + field_string(event, "reason"));
    } else if (event.kind == "connected") {
      std::string unit = field_string(event, "unit");
      if (trail.units.empty() || trail.units.back() != unit) trail.units.push_back(unit);
      auto& u = trail.units;
      if (u.size() >= 3 && u[u.size() - 3] == u.back())
        found(id, event.t_ns, "served by " + u[u.size() - 3] + ", " + u[u.size() - 2] + ", " + u.back());
    }
  }
  std::vector<Bounce> take() { return std::move(bounces_); }

 private:
  struct Trail {
    std::vector<std::string> left;
    std::vector<std::string> units;
    bool reported = false;
  };
  void found(std::uint64_t id, std::int64_t t, std::string evidence) {
    Trail& trail = trails_[id];
    if (trail.reported) return;
    trail.reported = true;
    bounces_.push_back({id, t, std::move(evidence)});
  }
  std::unordered_map<std::uint64_t, Trail> trails_;
  std::vector<Bounce> bounces_;
};

}  // namespace

void collect_window(std::span<const history::Event> history, const EventWindow& window, const ConnectIndex& connects,
                    WindowFacts& facts) {
  std::map<std::uint64_t, std::int64_t> first_disconnect;
  BounceFinder bounces;
  auto begin = std::partition_point(history.begin(), history.end(),
                                    [&](const history::Event& e) { return e.t_ns < window.start_ns; });
  for (auto it = begin; it != history.end() && it->t_ns < window.end_ns; ++it) {
    const history::Event& event = *it;
    bounces.see(event);
    if (event.kind == "disconnected" && event.router_id) {
      first_disconnect.emplace(*event.router_id, event.t_ns);
      facts.disconnected_by_cause[disconnect_cause(event)].push_back(*event.router_id);
    } else if (event.kind == "redirect") {
      ++facts.redirects;
    } else if (event.kind == "rejected") {
      ++facts.failed_attempts;
      if (is_redirect_loop(event)) ++facts.redirect_loops;
    } else if (event.kind == "gap") {
      facts.messages_lost += field_unsigned(event, "missing");
    } else if (event.kind == "connected") {
      if (auto name = field_string(event, "backend_name"); !name.empty()) ++facts.opened_by_backend[name];
    }
  }
  facts.bounces = bounces.take();
  for (auto& [cause, ids] : facts.disconnected_by_cause) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  for (const auto& [id, t] : first_disconnect) {
    facts.disconnected.push_back(id);
    Reconnect reconnect{id, t, std::nullopt, {}};
    if (auto it = connects.find(id); it != connects.end()) {
      auto next = std::upper_bound(it->second.begin(), it->second.end(), t,
                                   [](std::int64_t value, const auto& entry) { return value < entry.first; });
      if (next != it->second.end()) {
        reconnect.connected_ns = next->first;
        reconnect.unit = next->second;
        facts.reconnect_latency.add(std::chrono::nanoseconds(next->first - t));
      }
    }
    facts.reconnects.push_back(std::move(reconnect));
  }
}

}  // namespace wsfo::checks
