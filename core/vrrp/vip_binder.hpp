#pragma once
// The VIP half of a node's VRRP agent (docs/vrrp.md): what the node does with
// an instance's VIP addresses as the instance changes state. The live agent
// (gateway/vrrp_agent) and the SimGrid model (simulator/model/sim_vrrp) run
// this one loop, so a split brain shows the same way in both; each engine
// only carries out the binds, the retry wake-up and the recording.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/history/event.hpp"
#include "core/vrrp/agent_config.hpp"
#include "core/vrrp/vip_hold.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::vrrp {

// What the binder asks of its engine. VIPs are named by their index in the
// instance's AgentInstance::vips.
class VipBindings {
 public:
  virtual ~VipBindings() = default;
  // Listen on the VIP's `address:port`: nullopt once listening, else why not
  // (the `reason` of the `vip-bind-failed` event).
  virtual std::optional<std::string> bind(std::size_t vip) = 0;
  // Stop listening and reset what was accepted there. Only for VIPs whose
  // bind succeeded.
  virtual void unbind(std::size_t vip) = 0;
  // Call VipBinder::on_retry_timer at `at`; replaces any earlier wake-up.
  virtual void arm_retry(TimePoint at) = 0;
  virtual void cancel_retry() = 0;
  // A `vip-bind-failed` or `vip-bound` event for the history.
  virtual void report(history::Event event) = 0;
};

// Becoming Master binds every VIP; leaving Master unbinds what is bound. A
// bind that fails (the old master has not released yet, or for good in a
// split brain) is retried every kBindRetry while it lasts less than
// kBindGrace, then at each advert the Master sends; it is reported once, as
// `vip-bind-failed`, when it outlasts the grace, and `vip-bound` follows when
// a later retry succeeds (vip_hold.hpp's rule).
class VipBinder {
 public:
  VipBinder(std::string node, AgentInstance instance);

  // One action of the instance, after the engine has carried out its own
  // part of it (an advert sent), in the order the instance gave them: the
  // binder follows the instance's state through its StateChanged actions.
  void on_action(const Action& action, TimePoint now, VipBindings& io);
  // The wake-up asked for by arm_retry.
  void on_retry_timer(TimePoint now, VipBindings& io);
  // Unbinds whatever is bound, in any state: nothing may stay bound once
  // the agent stops.
  void release_all(VipBindings& io);

  // One per VIP, in AgentInstance::vips order.
  const std::vector<VipHold>& holds() const { return holds_; }
  const std::string& node() const { return node_; }
  const AgentInstance& instance() const { return instance_; }

 private:
  // Binds every VIP not held; with `retry_only`, only those whose bind failed.
  void bind(bool retry_only, TimePoint now, VipBindings& io);

  std::string node_;
  AgentInstance instance_;
  State state_ = State::initialize;
  std::vector<VipHold> holds_;
  TimePoint first_failure_{};
};

}  // namespace wsfo::vrrp
