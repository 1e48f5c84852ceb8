#include "reports/vip_downtime.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace wsfo::reports {

namespace {

std::string text(const history::Event& event, const char* name) {
  auto it = event.fields.find(name);
  return it != event.fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The node that was MASTER of `instance` last before `t_ns`, other than `new_master`.
std::string previous_master(std::span<const checks::VipTransition> transitions, const std::string& instance,
                            const std::string& new_master, std::int64_t t_ns) {
  std::string holder;
  for (const auto& t : transitions) {
    if (t.t_ns > t_ns) break;
    if (t.instance != instance || t.node == new_master) continue;
    if (t.to == "MASTER" || t.from == "MASTER") holder = t.node;
  }
  return holder;
}

void measure(std::span<const history::Event> history, const checks::EventWindow& window, VipFault& fault) {
  std::unordered_map<std::uint64_t, std::string> node_of;  // routerId → node of its last `connected`
  std::map<std::uint64_t, std::int64_t> down;              // affected routerId → first disconnect in the window
  std::map<std::uint64_t, std::int64_t> back;              // affected routerId → next connected
  for (const auto& event : history) {
    if (!event.router_id) continue;
    const std::uint64_t id = *event.router_id;
    if (event.kind == "connected") {
      if (auto d = down.find(id); d != down.end() && !back.count(id)) back[id] = event.t_ns;
      if (event.t_ns < window.end_ns) node_of[id] = text(event, "node");
    } else if (event.kind == "disconnected" && event.t_ns >= window.start_ns && event.t_ns < window.end_ns &&
               (fault.old_master.empty() || node_of[id] == fault.old_master)) {
      down.emplace(id, event.t_ns);
    }
  }
  fault.clients_down = down.size();
  std::int64_t last_back = window.start_ns;
  for (const auto& [id, t] : down) {
    auto it = back.find(id);
    if (it == back.end()) {
      ++fault.not_back;
      continue;
    }
    fault.downtime.add(std::chrono::nanoseconds(it->second - t));
    last_back = std::max(last_back, it->second);
  }
  if (fault.clients_down > 0 && fault.not_back == 0) fault.all_back_after_ns = last_back - window.start_ns;
}

}  // namespace

std::vector<VipFault> vip_faults(std::span<const history::Event> history,
                                 std::span<const checks::VipTransition> transitions,
                                 std::span<const checks::Takeover> takeovers,
                                 std::span<const checks::EventWindow> windows) {
  std::vector<VipFault> faults;
  for (const auto& takeover : takeovers) {
    auto window = std::find_if(windows.begin(), windows.end(),
                               [&](const checks::EventWindow& w) { return w.index == takeover.event; });
    if (window == windows.end()) continue;
    VipFault fault{takeover, {}, 0, 0, {}, std::nullopt};
    fault.old_master =
        previous_master(transitions, takeover.instance, takeover.new_master, window->start_ns + takeover.after_ns);
    measure(history, *window, fault);
    faults.push_back(std::move(fault));
  }
  return faults;
}

}  // namespace wsfo::reports
