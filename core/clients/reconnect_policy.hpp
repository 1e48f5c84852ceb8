#pragma once
// When a client tries again after a failed attempt or a closed connection
// (DESIGN.md §1, clients): a fixed delay (the seed's 1500 ms) or exponential
// backoff with full jitter (sleep = random(0, min(cap, base * 2^n)), as in
// AWS's "Exponential Backoff And Jitter") or, when a scenario gives a jitter
// fraction f, min(cap, base * 2^n) * (1 ± f) uniformly (scenario.hpp's
// BackoffReconnect). A 503's Retry-After is a floor.
// Time and randomness come from the caller, so tests drive it with a manual
// clock and fixed draws.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/scenario/scenario.hpp"

namespace wsfo::clients {

using Nanos = std::chrono::nanoseconds;

struct FixedDelay {
  Nanos delay{std::chrono::milliseconds(1500)};
};

struct ExponentialBackoff {
  Nanos base{std::chrono::milliseconds(100)};
  Nanos cap{std::chrono::seconds(10)};
  // nullopt: full jitter. A fraction in [0, 1]: the ceiling times (1 ± it).
  std::optional<double> jitter;
};

using ReconnectSpec = std::variant<FixedDelay, ExponentialBackoff>;

// "fixed:1500ms" or "backoff:base=100ms,cap=10s[,jitter=0.2]" (any key may be
// left out and keeps its default; without jitter, full jitter). nullopt with a one-line `error` when malformed.
std::optional<ReconnectSpec> parse_reconnect_spec(const std::string& text, std::string& error);
std::string to_string(const ReconnectSpec& spec);

// A scenario group's policy, jitter fraction included: what `wsfo run` passes
// to `wsfo clients` and what `wsfo simulate` plays.
ReconnectSpec reconnect_spec(const scenario::ReconnectPolicy& policy);

// The delay before the next attempt after `failures` consecutive failures
// (0 for the first retry). `draw` is a uniform 64-bit random number (used by
// backoff only); `retry_after`, when the server sent one, is a lower bound.
Nanos reconnect_delay(const ReconnectSpec& spec, std::uint32_t failures, std::uint64_t draw,
                      std::optional<Nanos> retry_after);

// The per-client state around reconnect_delay: counts consecutive failures
// and resets on a successful connection. Times are CLOCK_MONOTONIC-like
// nanoseconds chosen by the caller.
class ReconnectPolicy {
 public:
  explicit ReconnectPolicy(const ReconnectSpec& spec) : spec_(&spec) {}

  // Called when an attempt failed or a connection ended at `now`: returns the
  // time of the next attempt and counts one more failure.
  Nanos schedule_retry(Nanos now, std::uint64_t draw, std::optional<Nanos> retry_after = std::nullopt);
  void on_connected() { failures_ = 0; }
  std::uint32_t consecutive_failures() const { return failures_; }

 private:
  const ReconnectSpec* spec_;  // shared by every client of a fleet
  std::uint32_t failures_ = 0;
};

}  // namespace wsfo::clients
