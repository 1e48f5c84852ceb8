#pragma once
// Carrying out a VRRP instance's actions on a node: adverts and the wake-up
// go to the engine, the VIPs to the node's VipBinder, state and priority
// changes to the history. The live agent and the SimGrid model both run
// this, so they agree on the order of the effects, and an action kind added
// to the instance does not compile until it is handled here.
#include <optional>

#include "core/vrrp/vip_binder.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::vrrp {

// What an engine does for one instance, besides the VIPs' part. Its
// VipBindings::report also records the `vip` and `vip-priority` events.
class InstanceIo : public VipBindings {
 public:
  // To every peer the engine can reach.
  virtual void send_advert(const SendAdvert& advert) = 0;
  // Call the instance's on_timer at `at`; replaces any earlier wake-up,
  // nullopt cancels it.
  virtual void set_timer(std::optional<TimePoint> at) = 0;
};

// `actions` as `machine` returned them, in their order; `binder` belongs to
// the same instance.
void carry_out(const Actions& actions, const VrrpInstance& machine, VipBinder& binder, TimePoint now, InstanceIo& io);

}  // namespace wsfo::vrrp
