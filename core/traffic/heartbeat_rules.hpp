#pragma once
// The live client's heartbeat rules (clients/client_session.cpp,
// on_heartbeat), written once for the model: a client with a heartbeat has a
// tick every interval from its connect time. At a tick it ends the
// connection with pong_timeout when its ping has been unanswered for the
// timeout, else with idle_timeout when nothing was heard for the timeout,
// else it pings unless a ping is still unanswered (one ping in flight).
#include <algorithm>
#include <cstdint>
#include <optional>

namespace wsfo::traffic {

struct HeartbeatRule {
  std::int64_t interval_ns = 0;
  std::int64_t timeout_ns = 0;
};

enum class HeartbeatEnd : std::uint8_t { pong_timeout, idle_timeout };

struct HeartbeatVerdict {
  std::int64_t t_ns = 0;
  HeartbeatEnd cause = HeartbeatEnd::pong_timeout;
};

// The first tick strictly after `now_ns` (ticks at connected + k*interval, k >= 1).
std::int64_t next_tick_after(std::int64_t connected_ns, std::int64_t interval_ns, std::int64_t now_ns);

// The first tick at or after `t_ns`.
std::int64_t tick_at_or_after(std::int64_t connected_ns, std::int64_t interval_ns, std::int64_t t_ns);

// The peer goes silent at `now_ns` (nothing sent after it arrives): when and
// why the client ends the connection. `round_trip_ns`: a ping's round trip
// while the peer was there.
HeartbeatVerdict silent_peer_end(std::int64_t connected_ns, std::int64_t now_ns, const HeartbeatRule& rule,
                                 std::int64_t round_trip_ns);

// A ping sent at `ping_ns` whose pong comes `rtt_ns` later: the tick at
// which the client gives up on it (pong_timeout), or nothing when the pong
// arrives before a tick finds it overdue.
std::optional<std::int64_t> late_pong_end(std::int64_t ping_ns, const HeartbeatRule& rule, std::int64_t rtt_ns);

// The ping the client sends in (from, to], if any: pings at the ticks, no
// new ping while one is unanswered (the next goes at the first tick after
// its pong). `rtt_at(t)` is the round trip of a ping sent at t.
template <class RttAt>
std::optional<std::int64_t> ping_within(std::int64_t connected_ns, std::int64_t from_ns, std::int64_t to_ns,
                                        std::int64_t interval_ns, RttAt rtt_at) {
  if (interval_ns <= 0) return std::nullopt;
  std::int64_t ping = connected_ns + interval_ns;
  while (ping <= to_ns) {
    if (ping > from_ns) return ping;
    const std::int64_t pong = ping + rtt_at(ping);
    ping = std::max(ping + interval_ns, tick_at_or_after(connected_ns, interval_ns, pong));
  }
  return std::nullopt;
}

// The longest ping->pong round trip of a connection over [connected, end):
// pings at the ticks, no new ping while one is unanswered, a pong counts if
// it arrived by `end_ns`. `rtt_at(t)` is the round trip of a ping sent at t.
// Nothing when no pong arrived.
template <class RttAt>
std::optional<std::int64_t> ping_rtt_max(std::int64_t connected_ns, std::int64_t end_ns, std::int64_t interval_ns,
                                         RttAt rtt_at) {
  std::optional<std::int64_t> longest;
  if (interval_ns <= 0) return longest;
  std::int64_t ping = connected_ns + interval_ns;
  while (ping <= end_ns) {
    const std::int64_t rtt = rtt_at(ping);
    const std::int64_t pong = ping + rtt;
    if (pong > end_ns) break;
    longest = std::max(longest.value_or(0), rtt);
    ping = std::max(ping + interval_ns, tick_at_or_after(connected_ns, interval_ns, pong));
  }
  return longest;
}

// How many pings the client sent over [connected, end): the same ticks as
// ping_rtt_max, a ping unanswered at the end counted too.
template <class RttAt>
std::uint32_t pings_sent(std::int64_t connected_ns, std::int64_t end_ns, std::int64_t interval_ns, RttAt rtt_at) {
  std::uint32_t count = 0;
  if (interval_ns <= 0) return count;
  std::int64_t ping = connected_ns + interval_ns;
  while (ping < end_ns) {
    ++count;
    const std::int64_t pong = ping + rtt_at(ping);
    ping = std::max(ping + interval_ns, tick_at_or_after(connected_ns, interval_ns, pong));
  }
  return count;
}

}  // namespace wsfo::traffic
