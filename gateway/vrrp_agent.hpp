#pragma once
// A node's VRRP agent (docs/vrrp.md): one UDP socket on address:advert_port,
// RFC 5798-layout adverts unicast to each peer, one timer per instance driven
// by the sans-I/O state machine (core/vrrp/vrrp_instance.hpp). It does not
// bind VIPs itself: the embedding gateway does, through the callbacks.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/history/event.hpp"
#include "core/vrrp/agent_config.hpp"
#include "core/vrrp/vip_hold.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::gateway {

struct VrrpAgentCallbacks {
  // Open the `address:port` listener of a VIP the instance now holds; nullopt
  // when listening, else why not. The agent stays Master and retries (every
  // kBindRetry, then at each advert once kBindGrace has passed, when it
  // records a `vip-bind-failed` event).
  std::function<std::optional<std::string>(const std::string& instance, const std::string& address, std::uint16_t port)>
      take_vip;
  // Close it and reset the connections it accepted. Only called for VIPs
  // whose take_vip succeeded.
  std::function<void(const std::string& instance, const std::string& address, std::uint16_t port)> release_vip;
  // Every history event (`vip`, `vip-bind-failed`, `vip-bound`, `vip-priority`).
  std::function<void(const history::Event&)> event;
  // The track check (keepalived's track_script), polled at start and then
  // every track interval of each tracked instance; unset means healthy.
  std::function<bool()> healthy;
};

using vrrp::VipHold;

struct VrrpInstanceStatus {
  std::string name;
  int vrid = 0;
  vrrp::State state = vrrp::State::initialize;
  int priority = 0;  // effective
  std::vector<std::pair<vrrp::VipAddress, VipHold>> vips;
};

class VrrpAgent {
 public:
  VrrpAgent(boost::asio::io_context& io, vrrp::AgentConfig config, VrrpAgentCallbacks callbacks);
  ~VrrpAgent();
  VrrpAgent(const VrrpAgent&) = delete;
  VrrpAgent& operator=(const VrrpAgent&) = delete;

  // Binds the advert socket and starts every instance; the error when the
  // socket cannot be bound (nothing started then).
  std::optional<std::string> start();
  // Graceful stop: every Master sends a priority-0 advert (a backup takes
  // over after Skew_Time) and releases its VIPs; then the socket closes.
  // Synchronous: done when it returns.
  void shutdown();
  // Partition emulation: adverts to and from these peer addresses are
  // dropped (counted as `blocked_peer`). Replaces the previous set.
  void set_blocked_peers(const std::set<std::string>& peers);
  // Power-off emulation: the agent falls silent as a dead host does (no
  // priority-0 advert, no more adverts, no state change, no event, no VIP
  // released) but keeps reading adverts: each advert with a non-zero
  // priority from a peer (a Master) is reported with its vrid, which is how
  // the gateway learns that another node has taken a VIP over. A later
  // shutdown() only closes the socket.
  void power_off(std::function<void(int vrid)> on_peer_master);
  bool powered_off() const { return static_cast<bool>(on_peer_master_); }

  std::vector<VrrpInstanceStatus> status() const;
  // Why received datagrams were dropped: a DecodeError name, `unknown_vrid`,
  // `unknown_peer`, `blocked_peer`; and `send_failed` for sends.
  const std::map<std::string, std::uint64_t>& dropped() const { return dropped_; }
  std::uint64_t adverts_sent() const { return adverts_sent_; }
  std::uint64_t adverts_received() const { return adverts_received_; }
  const vrrp::AgentConfig& config() const { return config_; }

 private:
  struct Instance;

  void receive_next();
  void on_datagram(std::size_t size);
  void apply(Instance& instance, const vrrp::Actions& actions);
  void send_advert(Instance& instance, const vrrp::SendAdvert& advert);
  void arm_timer(Instance& instance, std::optional<vrrp::TimePoint> at);
  void poll_track(Instance& instance);
  void count_drop(const std::string& reason) { ++dropped_[reason]; }

  boost::asio::io_context& io_;
  vrrp::AgentConfig config_;
  VrrpAgentCallbacks callbacks_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint sender_;
  std::vector<std::uint8_t> receive_buffer_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::map<int, Instance*> by_vrid_;
  std::set<std::uint32_t> peers_;  // every instance's
  std::set<std::uint32_t> blocked_;
  std::map<std::string, std::uint64_t> dropped_;
  std::uint64_t adverts_sent_ = 0;
  std::uint64_t adverts_received_ = 0;
  bool running_ = false;
  std::function<void(int vrid)> on_peer_master_;  // set once powered off
};

// CLOCK_MONOTONIC (std::chrono::steady_clock on Linux) in nanoseconds: the
// clock of the state machine's TimePoints and of history events.
vrrp::TimePoint monotonic_now();

}  // namespace wsfo::gateway
