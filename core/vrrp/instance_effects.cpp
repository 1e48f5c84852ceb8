#include "core/vrrp/instance_effects.hpp"

#include <variant>

#include "core/vrrp/vrrp_events.hpp"

namespace wsfo::vrrp {

void carry_out(const Actions& actions, const VrrpInstance& machine, VipBinder& binder, TimePoint now, InstanceIo& io) {
  struct Effect {
    const Action& action;
    const VrrpInstance& machine;
    const VipBinder& binder;
    TimePoint now;
    InstanceIo& io;
    void operator()(const SendAdvert& advert) const { io.send_advert(advert); }
    void operator()(const SetTimer& timer) const { io.set_timer(timer.at); }
    void operator()(const StateChanged&) const { record(); }
    void operator()(const PriorityChanged&) const { record(); }
    void operator()(const TakeVip&) const {}  // the binder's
    void operator()(const ReleaseVip&) const {}
    void record() const {
      if (auto event = history_event(action, binder.node(), binder.instance(), machine.effective_priority(), now))
        io.report(std::move(*event));
    }
  };
  for (const auto& action : actions) {
    std::visit(Effect{action, machine, binder, now, io}, action);
    // After the engine's part: a retry follows the advert it was sent with.
    binder.on_action(action, now, io);
  }
}

}  // namespace wsfo::vrrp
