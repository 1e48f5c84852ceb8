#include "core/traffic/heartbeat_rules.hpp"

namespace wsfo::traffic {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

}  // namespace

std::int64_t next_tick_after(std::int64_t connected_ns, std::int64_t interval_ns, std::int64_t now_ns) {
  const std::int64_t since = std::max<std::int64_t>(0, now_ns - connected_ns);
  return connected_ns + (since / interval_ns + 1) * interval_ns;
}

std::int64_t tick_at_or_after(std::int64_t connected_ns, std::int64_t interval_ns, std::int64_t t_ns) {
  return connected_ns + std::max<std::int64_t>(1, ceil_div(t_ns - connected_ns, interval_ns)) * interval_ns;
}

// The ping before `now` was answered if its pong arrived in time; the next
// one never is. pong_timeout when that ping is overdue at a tick before
// (or at) the tick that finds nothing heard for the timeout.
HeartbeatVerdict silent_peer_end(std::int64_t connected_ns, std::int64_t now_ns, const HeartbeatRule& rule,
                                 std::int64_t round_trip_ns) {
  const std::int64_t interval = rule.interval_ns;
  const std::int64_t timeout = rule.timeout_ns;
  const std::int64_t connected = std::min(connected_ns, now_ns);
  const std::int64_t last_tick = (now_ns - connected) / interval;  // 0: no ping yet
  std::int64_t unanswered_tick = last_tick + 1;                    // the first ping that meets the silence
  std::int64_t last_heard = connected;
  if (last_tick >= 1) {
    if (connected + last_tick * interval + round_trip_ns <= now_ns) {
      last_heard = connected + last_tick * interval + round_trip_ns;
    } else {  // that ping's pong was on its way: lost
      unanswered_tick = last_tick;
      if (last_tick >= 2) last_heard = connected + (last_tick - 1) * interval + round_trip_ns;
    }
  }
  const std::int64_t pong_tick = unanswered_tick + ceil_div(timeout, interval);
  const std::int64_t idle_tick = std::max(last_tick + 1, ceil_div(last_heard + timeout - connected, interval));
  const bool pong = pong_tick <= idle_tick;
  return {connected + (pong ? pong_tick : idle_tick) * interval,
          pong ? HeartbeatEnd::pong_timeout : HeartbeatEnd::idle_timeout};
}

// Ticks after the ping at ping + j*interval; the first with j*interval >=
// timeout ends it if the pong has not arrived by then (a pong arriving at
// the tick's instant counts as in time).
std::optional<std::int64_t> late_pong_end(std::int64_t ping_ns, const HeartbeatRule& rule, std::int64_t rtt_ns) {
  if (rule.interval_ns <= 0 || rule.timeout_ns <= 0) return std::nullopt;
  const std::int64_t overdue =
      std::max<std::int64_t>(1, ceil_div(rule.timeout_ns, rule.interval_ns)) * rule.interval_ns;
  if (rtt_ns <= overdue) return std::nullopt;
  return ping_ns + overdue;
}

}  // namespace wsfo::traffic
