#pragma once
// The model's VRRP (issue 7, DESIGN.md §1 "LB node, VIP, VRRP"): each gateway
// node listed by a VIP runs the agent the live plan embeds in it, i.e. one
// core VrrpInstance per VIP, in an actor on the node's host, so a kill stops
// it. Adverts take the route between the two gateway hosts: a partition
// (their pair link off) or a dead peer loses them. The track check reads the
// gateway's serving state. Which node holds a VIP decides where a client's
// dial of that VIP lands (World::vips).
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <queue>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

#include "core/vrrp/agent_config.hpp"
#include "core/vrrp/vip_binder.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::model {

class World;

// The live runner starts the gateways, and their agents, before the clients
// and the timeline (about 30 ms before time zero on this machine); so does
// the model, which puts the track checks just before whole seconds of the
// timeline, as in live runs, instead of on them.
constexpr std::int64_t kVrrpHeadStartNs = 30'000'000;

struct VipSim {  // one scenario VIP: an address at most one node holds
  std::string name;
  std::string endpoint;  // "address:port" as clients dial it
  std::size_t unit = 0;
  std::optional<std::uint16_t> holder;  // gateway index
};

struct VrrpEvent {
  enum class Type : std::uint8_t { timer, track, advert, bind_retry };
  std::int64_t t_ns = 0;
  std::uint64_t seq = 0;  // ties keep their insertion order: determinism
  Type type = Type::timer;
  std::uint16_t instance = 0;
  std::uint64_t generation = 0;  // timer, bind_retry: stale unless the instance's latest
  vrrp::Advert advert;
};

struct VrrpEventLater {
  bool operator()(const VrrpEvent& a, const VrrpEvent& b) const {
    return a.t_ns != b.t_ns ? a.t_ns > b.t_ns : a.seq > b.seq;
  }
};

class NodeVrrpSim {
 public:
  NodeVrrpSim(World& world, std::size_t gateway, vrrp::AgentConfig config);

  // The actor's body: a fresh start of every instance (a restored node is a
  // new process), then its events until the run ends or the host dies.
  void run();
  // An advert from a peer arriving at `at_ns`; lost when this node is down.
  void deliver(int vrid, const vrrp::Advert& advert, std::int64_t at_ns);

 private:
  struct Instance {
    vrrp::AgentInstance config;
    std::optional<vrrp::VrrpInstance> machine;
    std::optional<vrrp::VipBinder> binder;
    std::vector<std::uint16_t> vips;   // World::vips indices, in config.vips order
    std::vector<std::uint16_t> peers;  // gateway indices
    std::uint64_t timer_generation = 0;
    std::uint64_t bind_retry_generation = 0;  // as timer_generation, for the binder's wake-up
  };
  class Io;  // what carrying out an instance's actions asks of the world

  void start(std::int64_t now);
  void serve(std::unique_lock<simgrid::s4u::Mutex>& lock);
  void handle(const VrrpEvent& event);
  void apply(Instance& instance, const vrrp::Actions& actions, std::int64_t now);
  void send_advert(Instance& instance, const vrrp::SendAdvert& advert, std::int64_t now);
  void push(VrrpEvent event);

  World& w_;
  std::size_t g_;
  vrrp::AgentConfig config_;
  std::uint32_t address_ = 0;
  std::vector<Instance> instances_;
  std::priority_queue<VrrpEvent, std::vector<VrrpEvent>, VrrpEventLater> queue_;
  std::uint64_t next_seq_ = 0;
  std::int64_t planned_wake_ns_ = std::numeric_limits<std::int64_t>::max();
  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::ConditionVariablePtr wake_;
};

}  // namespace wsfo::model
