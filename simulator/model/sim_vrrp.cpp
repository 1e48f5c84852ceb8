#include "simulator/model/sim_vrrp.hpp"

#include <algorithm>
#include <simgrid/Exception.hpp>

#include "core/vrrp/advert_conversion.hpp"
#include "core/vrrp/instance_effects.hpp"
#include "core/vrrp/ipv4_address.hpp"
#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

std::string endpoint_of(const vrrp::VipAddress& vip) { return vip.address + ":" + std::to_string(vip.port); }

// History times are never negative: what the agents do in their head start
// is recorded at the run's time zero.
vrrp::TimePoint recorded_at(std::int64_t now) { return vrrp::TimePoint(std::max<std::int64_t>(now, 0)); }

}  // namespace

// What carrying out an instance's actions asks of the model at `now`:
// adverts over the route between the gateway hosts, wake-ups as events of
// the node's queue, and VIP addresses that have at most one holder in the
// world (a second bind finds the address in use).
class NodeVrrpSim::Io final : public vrrp::InstanceIo {
 public:
  Io(NodeVrrpSim& node, Instance& instance, std::int64_t now) : node_(node), instance_(instance), now_(now) {}

  void send_advert(const vrrp::SendAdvert& advert) override { node_.send_advert(instance_, advert, now_); }
  void set_timer(std::optional<vrrp::TimePoint> at) override {
    ++instance_.timer_generation;
    if (at) node_.push(queued(VrrpEvent::Type::timer, *at, instance_.timer_generation));
  }
  std::optional<std::string> bind(std::size_t vip) override {
    if (node_.w_.take_vip(instance_.vips[vip], node_.g_)) return std::nullopt;
    return "address in use";  // the live VipListener's words
  }
  void unbind(std::size_t vip) override { node_.w_.release_vip(instance_.vips[vip], node_.g_); }
  void arm_retry(vrrp::TimePoint at) override {
    node_.push(queued(VrrpEvent::Type::bind_retry, at, ++instance_.bind_retry_generation));
  }
  void cancel_retry() override { ++instance_.bind_retry_generation; }
  void report(history::Event event) override {
    event.t_ns = recorded_at(event.t_ns).count();
    node_.w_.record_agent_event(std::move(event));
  }

 private:
  VrrpEvent queued(VrrpEvent::Type type, vrrp::TimePoint at, std::uint64_t generation) const {
    VrrpEvent event;
    event.type = type;
    event.t_ns = at.count();
    event.instance = static_cast<std::uint16_t>(&instance_ - node_.instances_.data());
    event.generation = generation;
    return event;
  }

  NodeVrrpSim& node_;
  Instance& instance_;
  std::int64_t now_;
};

NodeVrrpSim::NodeVrrpSim(World& world, std::size_t gateway, vrrp::AgentConfig config)
    : w_(world), g_(gateway), config_(std::move(config)), address_(vrrp::parse_ipv4(config_.address).value_or(0)) {}

void NodeVrrpSim::run() {
  mutex_ = sg4::Mutex::create();  // fresh: the previous actor may have died holding the old one
  wake_ = sg4::ConditionVariable::create();
  queue_ = {};
  planned_wake_ns_ = std::numeric_limits<std::int64_t>::max();
  const std::int64_t now = World::now_ns();
  start(now == 0 ? -kVrrpHeadStartNs : now);
  std::unique_lock lock(*mutex_);
  try {
    serve(lock);
  } catch (simgrid::ForcefulKillException&) {
    // Killed with its host (a `kill`). Unlocking is a simcall, which a dying
    // actor must not make (under thread contexts it blocks for good); the
    // mutex goes with this agent, and a restart makes a new one.
    lock.release();
    throw;
  }
}

void NodeVrrpSim::serve(std::unique_lock<simgrid::s4u::Mutex>& lock) {
  for (;;) {
    const std::int64_t t = World::now_ns();
    if (w_.finished() || t >= w_.end_ns()) break;
    if (queue_.empty() || queue_.top().t_ns > t + kClockToleranceNs) {
      planned_wake_ns_ = queue_.empty() ? w_.end_ns() : std::min(queue_.top().t_ns, w_.end_ns());
      wake_->wait_until(lock, static_cast<double>(planned_wake_ns_) / 1e9);
      planned_wake_ns_ = std::numeric_limits<std::int64_t>::max();
      continue;
    }
    while (!queue_.empty() && queue_.top().t_ns <= t + kClockToleranceNs) {
      VrrpEvent event = queue_.top();
      queue_.pop();
      handle(event);
    }
  }
}

void NodeVrrpSim::deliver(int vrid, const vrrp::Advert& advert, std::int64_t at_ns) {
  if (!wake_ || !w_.gateways()[g_].host->is_on()) return;
  auto instance =
      std::find_if(instances_.begin(), instances_.end(), [&](const Instance& i) { return i.config.vrid == vrid; });
  if (instance == instances_.end()) return;  // the live agent counts it as unknown_vrid
  VrrpEvent event;
  event.type = VrrpEvent::Type::advert;
  event.t_ns = std::max(at_ns, World::now_ns());
  event.instance = static_cast<std::uint16_t>(instance - instances_.begin());
  event.advert = advert;
  push(event);
}

void NodeVrrpSim::start(std::int64_t now) {
  instances_.clear();
  for (const auto& config : config_.instances) {
    Instance instance;
    instance.config = config;
    instance.machine.emplace(vrrp::to_instance_config(config_, config));
    instance.binder.emplace(config_.node, config);
    for (const auto& vip : config.vips)
      instance.vips.push_back(static_cast<std::uint16_t>(w_.vip_index(endpoint_of(vip))));
    for (const auto& peer : config.peers)
      for (std::size_t g = 0; g < w_.gateways().size(); ++g)
        if (w_.gateways()[g].address.rfind(peer + ":", 0) == 0) instance.peers.push_back(static_cast<std::uint16_t>(g));
    instances_.push_back(std::move(instance));
  }
  const vrrp::TimePoint at(now);
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    Instance& instance = instances_[i];
    apply(instance, instance.machine->start(at), now);
    if (!instance.config.track) continue;
    VrrpEvent track;
    track.type = VrrpEvent::Type::track;
    track.t_ns = now;
    track.instance = static_cast<std::uint16_t>(i);
    handle(track);
  }
}

void NodeVrrpSim::handle(const VrrpEvent& event) {
  Instance& instance = instances_[event.instance];
  vrrp::VrrpInstance& machine = *instance.machine;
  const vrrp::TimePoint at(event.t_ns);
  switch (event.type) {
    case VrrpEvent::Type::timer:
      if (event.generation == instance.timer_generation) apply(instance, machine.on_timer(at), event.t_ns);
      break;
    case VrrpEvent::Type::track: {
      apply(instance, machine.on_track_result(at, w_.gateways()[g_].serving), event.t_ns);
      VrrpEvent next = event;
      next.t_ns += instance.config.track->interval.count();
      push(next);
      break;
    }
    case VrrpEvent::Type::advert:
      apply(instance, machine.on_advert(at, event.advert), event.t_ns);
      break;
    case VrrpEvent::Type::bind_retry:
      if (event.generation == instance.bind_retry_generation) {
        Io io(*this, instance, event.t_ns);
        instance.binder->on_retry_timer(at, io);
      }
      break;
  }
}

void NodeVrrpSim::apply(Instance& instance, const vrrp::Actions& actions, std::int64_t now) {
  Io io(*this, instance, now);
  vrrp::carry_out(actions, *instance.machine, *instance.binder, vrrp::TimePoint(now), io);
}

// Through the wire format and back, as the live agent's datagrams go, so the
// interval is rounded to centiseconds the same way.
void NodeVrrpSim::send_advert(Instance& instance, const vrrp::SendAdvert& advert, std::int64_t now) {
  const vrrp::Advert received = vrrp::to_advert(vrrp::to_packet(instance.config.vrid, advert, {}), address_);
  const GatewaySim& self = w_.gateways()[g_];
  for (std::uint16_t peer : instance.peers) {
    const Route& route = w_.route(self.host, w_.gateways()[peer].host);
    NodeVrrpSim* node = w_.vrrp_node(peer);
    if (node && route.up()) node->deliver(instance.config.vrid, received, now + route.latency_ns);
  }
}

void NodeVrrpSim::push(VrrpEvent event) {
  event.seq = next_seq_++;
  const bool earlier = event.t_ns < planned_wake_ns_;
  queue_.push(event);
  if (earlier && wake_) wake_->notify_all();
}

}  // namespace wsfo::model
