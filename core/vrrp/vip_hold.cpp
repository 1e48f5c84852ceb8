#include "core/vrrp/vip_hold.hpp"

namespace wsfo::vrrp {

BindOutcome after_bind_attempt(VipHold hold, bool bound, TimePoint now, TimePoint& first_failure) {
  if (bound) return {VipHold::held, hold == VipHold::bind_failed ? BindReport::bound : BindReport::none};
  switch (hold) {
    case VipHold::released:
      first_failure = now;
      return {VipHold::bind_pending, BindReport::none};
    case VipHold::bind_pending:
      if (now - first_failure >= kBindGrace)
        return {VipHold::bind_failed, BindReport::failed};  // once, not at every retry
      return {hold, BindReport::none};
    case VipHold::held:
    case VipHold::bind_failed:
      break;
  }
  return {hold, BindReport::none};
}

}  // namespace wsfo::vrrp
