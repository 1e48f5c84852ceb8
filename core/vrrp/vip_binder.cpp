#include "core/vrrp/vip_binder.hpp"

#include <utility>
#include <variant>

#include "core/vrrp/vrrp_events.hpp"

namespace wsfo::vrrp {

VipBinder::VipBinder(std::string node, AgentInstance instance)
    : node_(std::move(node)), instance_(std::move(instance)), holds_(instance_.vips.size(), VipHold::released) {}

void VipBinder::on_action(const Action& action, TimePoint now, VipBindings& io) {
  // Every kind is named, so a new action kind does not compile until it is
  // decided here whether it concerns the VIPs.
  struct Visitor {
    VipBinder& binder;
    TimePoint now;
    VipBindings& io;
    void operator()(const StateChanged& changed) const { binder.state_ = changed.to; }
    void operator()(const TakeVip&) const { binder.bind(false, now, io); }
    void operator()(const ReleaseVip&) const { binder.release_all(io); }
    // A Master whose bind failed (split brain) tries again at each advert;
    // the adverts of a resigning Master come after it left Master.
    void operator()(const SendAdvert&) const {
      if (binder.state_ == State::master) binder.bind(true, now, io);
    }
    void operator()(const SetTimer&) const {}
    void operator()(const PriorityChanged&) const {}
  };
  std::visit(Visitor{*this, now, io}, action);
}

void VipBinder::on_retry_timer(TimePoint now, VipBindings& io) {
  if (state_ == State::master) bind(true, now, io);
}

void VipBinder::release_all(VipBindings& io) {
  io.cancel_retry();
  for (std::size_t i = 0; i < holds_.size(); ++i) {
    const bool was_held = holds_[i] == VipHold::held;
    holds_[i] = VipHold::released;
    if (was_held) io.unbind(i);
  }
}

void VipBinder::bind(bool retry_only, TimePoint now, VipBindings& io) {
  bool pending = false;
  for (std::size_t i = 0; i < holds_.size(); ++i) {
    VipHold& hold = holds_[i];
    if (hold == VipHold::held || (retry_only && hold == VipHold::released)) continue;
    const auto error = io.bind(i);
    const auto outcome = after_bind_attempt(hold, !error, now, first_failure_);
    hold = outcome.hold;
    pending = pending || hold == VipHold::bind_pending;
    if (outcome.report != BindReport::none)
      io.report(bind_event(outcome.report == BindReport::bound, node_, instance_, instance_.vips[i],
                           error.value_or("bound after an earlier failure"), now));
  }
  if (pending) io.arm_retry(now + kBindRetry);
}

}  // namespace wsfo::vrrp
