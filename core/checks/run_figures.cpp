#include "core/checks/run_figures.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "core/checks/event_fields.hpp"

namespace wsfo::checks {

namespace {

// Nearest rank (1-based rank ceil(p/100 * n)) of sorted samples; nullopt when empty.
std::optional<std::int64_t> nearest_rank(std::vector<std::int64_t>& samples, double p) {
  if (samples.empty()) return std::nullopt;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

std::int64_t handshake_ns(const history::Event& event) {
  return static_cast<std::int64_t>(field_unsigned(event, "handshake_ns"));
}

FaultFigures fault_figures(std::span<const history::Event> history, std::size_t action_at, std::int64_t window_end) {
  const history::Event& action = history[action_at];
  FaultFigures f;
  f.index = field_unsigned(action, "index");
  f.action = field_string(action, "action");
  f.at_ns = action.t_ns;

  // Each client disconnected in the window: when it first was, and when it
  // next connected (anywhere after, even past the window).
  std::map<std::uint64_t, std::int64_t> disconnected_at;
  std::map<std::uint64_t, std::int64_t> back_at;
  for (std::size_t i = action_at; i < history.size(); ++i) {
    const auto& e = history[i];
    if (!e.router_id) continue;
    // The clients' own shutdown at the end of a run is not the fault's doing.
    if (e.kind == "disconnected" && e.t_ns < window_end && field_string(e, "cause") != "shutdown")
      disconnected_at.emplace(*e.router_id, e.t_ns);
    if (e.kind == "connected" && disconnected_at.count(*e.router_id) && !back_at.count(*e.router_id))
      back_at.emplace(*e.router_id, e.t_ns);
  }
  f.disconnected = disconnected_at.size();
  std::vector<std::int64_t> back_times;
  for (const auto& [id, t] : back_at) back_times.push_back(t - f.at_ns);
  std::sort(back_times.begin(), back_times.end());
  if (f.disconnected > 0) {
    auto needed = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(f.disconnected)));
    if (back_times.size() >= needed) f.back_99_ns = back_times[needed - 1];
  }
  bool all_back = f.disconnected > 0 && back_times.size() == f.disconnected;
  f.storm_end_ns = all_back ? std::min(window_end, f.at_ns + back_times.back() + 1) : window_end;

  std::vector<std::int64_t> handshakes;
  for (std::size_t i = action_at; i < history.size() && history[i].t_ns < f.storm_end_ns; ++i) {
    const auto& e = history[i];
    if (e.kind == "connected") handshakes.push_back(handshake_ns(e));
    if (e.kind == "rejected") {
      ++f.failed_attempts;
      if (is_handshake_timeout(e)) ++f.handshake_timeouts;
    }
  }
  f.handshake_p99_ns = nearest_rank(handshakes, 99);
  return f;
}

}  // namespace

bool is_handshake_timeout(const history::Event& event) {
  if (event.kind != "rejected") return false;
  std::string error = field_string(event, "error");
  return error == "handshake_timeout" || error == "connect_timeout";
}

RunFigures compute_run_figures(std::span<const history::Event> history) {
  RunFigures figures;
  if (history.empty()) return figures;
  figures.first_ns = history.front().t_ns;
  figures.last_ns = history.back().t_ns;
  std::vector<std::int64_t> handshakes;
  std::optional<std::size_t> fault_at;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& e = history[i];
    if (e.kind == "connected") {
      ++figures.connected_events;
      handshakes.push_back(handshake_ns(e));
    } else if (is_handshake_timeout(e)) {
      ++figures.handshake_timeouts;
    } else if (e.kind == "gap") {
      figures.messages_lost += field_unsigned(e, "missing");
    } else if (e.kind == "disconnected") {
      std::string cause = field_string(e, "cause");
      if (cause == "idle_timeout" || cause == "pong_timeout") ++figures.heartbeat_timeouts;
    } else if (e.kind == "action" && !fault_at && is_fault_action(field_string(e, "action"))) {
      fault_at = i;
    }
  }
  // The window of the fault ends at the next action.
  if (fault_at) {
    std::int64_t fault_window_end = history.back().t_ns + 1;
    for (std::size_t i = *fault_at + 1; i < history.size(); ++i)
      if (history[i].kind == "action") {
        fault_window_end = history[i].t_ns;
        break;
      }
    figures.fault = fault_figures(history, *fault_at, fault_window_end);
  }
  figures.handshake_p99_ns = nearest_rank(handshakes, 99);
  return figures;
}

}  // namespace wsfo::checks
