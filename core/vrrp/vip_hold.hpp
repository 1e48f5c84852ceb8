#pragma once
// Whether a Master actually holds its VIP address (docs/vrrp.md): binding can
// fail while another node still holds it, briefly when a preempted master has
// not yet heard our first advert, for good in a split brain. The rule of when
// such a failure is reported is shared by the live agent and the model.
#include <chrono>
#include <string_view>

#include "core/vrrp/vrrp_timing.hpp"

namespace wsfo::vrrp {

// bind_pending: the bind failed less than kBindGrace ago and is retried every
// kBindRetry; a preempted master releases as soon as it hears our first
// advert, so only a failure that outlasts the grace is reported.
enum class VipHold { released, held, bind_pending, bind_failed };
constexpr std::chrono::milliseconds kBindGrace{200};
constexpr std::chrono::milliseconds kBindRetry{20};

// What the history records of a bind attempt: nothing, `vip-bind-failed`, or
// `vip-bound` (a retry succeeded after a reported failure).
enum class BindReport { none, failed, bound };

struct BindOutcome {
  VipHold hold = VipHold::released;
  BindReport report = BindReport::none;
};

// One bind attempt of a VIP held as `hold`; `first_failure` is when a pending
// failure started (set here when one starts).
BindOutcome after_bind_attempt(VipHold hold, bool bound, TimePoint now, TimePoint& first_failure);

}  // namespace wsfo::vrrp
