#include "gateway/vrrp_agent.hpp"

#include <chrono>

#include "core/vrrp/advert_conversion.hpp"
#include "core/vrrp/advert_packet.hpp"
#include "core/vrrp/instance_effects.hpp"
#include "core/vrrp/ipv4_address.hpp"
#include "process/live_clock.hpp"

namespace wsfo::gateway {

namespace net = boost::asio;
using udp = net::ip::udp;

namespace {

// Bigger than any advert (8 + 4 * 255 bytes), so an oversized datagram is
// seen whole and fails decoding instead of being silently truncated.
constexpr std::size_t kReceiveBufferSize = 2048;

std::chrono::steady_clock::time_point to_steady(vrrp::TimePoint at) {
  return std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(at));
}

// Stable counter names (docs/vrrp.md); to_string(DecodeError) is for people.
const char* drop_reason(vrrp::DecodeError error) {
  switch (error) {
    case vrrp::DecodeError::short_packet:
      return "short_packet";
    case vrrp::DecodeError::wrong_version:
      return "wrong_version";
    case vrrp::DecodeError::wrong_type:
      return "wrong_type";
    case vrrp::DecodeError::zero_vrid:
      return "zero_vrid";
    case vrrp::DecodeError::count_mismatch:
      return "count_mismatch";
    case vrrp::DecodeError::zero_interval:
      return "zero_interval";
    case vrrp::DecodeError::bad_checksum:
      return "bad_checksum";
  }
  return "undecodable";
}

}  // namespace

vrrp::TimePoint monotonic_now() {
  return std::chrono::duration_cast<vrrp::TimePoint>(process::LiveClock::since_epoch());
}

// An instance and what carrying out its actions asks of the node: adverts on
// the agent's socket, wake-ups on Asio timers, binds through the embedding
// gateway's callbacks.
struct VrrpAgent::Instance final : vrrp::InstanceIo {
  Instance(VrrpAgent& agent, const vrrp::AgentInstance& config)
      : agent(agent),
        config(config),
        machine(vrrp::to_instance_config(agent.config_, config)),
        binder(agent.config_.node, config),
        timer(agent.io_),
        track_timer(agent.io_),
        bind_retry_timer(agent.io_) {
    for (const auto& vip : config.vips) vip_addresses.push_back(vrrp::parse_ipv4(vip.address).value_or(0));
    for (const auto& peer : config.peers) {
      const auto address = vrrp::parse_ipv4(peer).value_or(0);
      peers.push_back({address, udp::endpoint(net::ip::address_v4(address), agent.config_.advert_port)});
    }
  }

  void send_advert(const vrrp::SendAdvert& advert) override { agent.send_advert(*this, advert); }
  void set_timer(std::optional<vrrp::TimePoint> at) override { agent.arm_timer(*this, at); }
  std::optional<std::string> bind(std::size_t vip) override {
    const auto& callbacks = agent.callbacks_;
    return callbacks.take_vip ? callbacks.take_vip(config.name, config.vips[vip].address, config.vips[vip].port)
                              : std::nullopt;
  }
  void unbind(std::size_t vip) override {
    if (agent.callbacks_.release_vip)
      agent.callbacks_.release_vip(config.name, config.vips[vip].address, config.vips[vip].port);
  }
  void arm_retry(vrrp::TimePoint at) override {
    bind_retry_timer.expires_at(to_steady(at));
    bind_retry_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !agent.running_ || agent.powered_off()) return;
      binder.on_retry_timer(monotonic_now(), *this);
    });
  }
  void cancel_retry() override { bind_retry_timer.cancel(); }
  void report(history::Event event) override {
    if (agent.callbacks_.event) agent.callbacks_.event(event);
  }

  VrrpAgent& agent;
  vrrp::AgentInstance config;
  vrrp::VrrpInstance machine;
  vrrp::VipBinder binder;
  net::steady_timer timer;
  std::uint64_t timer_generation = 0;  // a wait armed before the latest SetTimer is stale
  net::steady_timer track_timer;
  std::vector<std::uint32_t> vip_addresses;
  net::steady_timer bind_retry_timer;
  std::vector<std::pair<std::uint32_t, udp::endpoint>> peers;
};

VrrpAgent::VrrpAgent(net::io_context& io, vrrp::AgentConfig config, VrrpAgentCallbacks callbacks)
    : io_(io),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      socket_(io),
      receive_buffer_(kReceiveBufferSize) {
  for (const auto& instance_config : config_.instances) {
    instances_.push_back(std::make_unique<Instance>(*this, instance_config));
    by_vrid_[instance_config.vrid] = instances_.back().get();
    for (const auto& [address, endpoint] : instances_.back()->peers) peers_.insert(address);
  }
}

VrrpAgent::~VrrpAgent() {
  running_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

std::optional<std::string> VrrpAgent::start() {
  const auto own = vrrp::parse_ipv4(config_.address);
  if (!own) return "invalid own address " + config_.address;
  boost::system::error_code ec;
  const udp::endpoint local(net::ip::address_v4(*own), config_.advert_port);
  socket_.open(udp::v4(), ec);
  if (!ec) socket_.bind(local, ec);
  if (ec) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return "cannot bind the advert socket " + config_.address + ":" + std::to_string(config_.advert_port) + ": " +
           ec.message();
  }
  running_ = true;
  receive_next();
  for (auto& instance : instances_) {
    apply(*instance, instance->machine.start(monotonic_now()));
    if (instance->config.track) poll_track(*instance);
  }
  return std::nullopt;
}

void VrrpAgent::shutdown() {
  if (!running_) return;
  if (powered_off()) {  // a dead host resigns nothing
    running_ = false;
    boost::system::error_code ignored;
    socket_.close(ignored);
    return;
  }
  for (auto& instance : instances_) {
    instance->track_timer.cancel();
    apply(*instance, instance->machine.shutdown(monotonic_now()));
    // Whatever the state machine said, nothing may stay bound after a stop.
    instance->binder.release_all(*instance);
  }
  running_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void VrrpAgent::power_off(std::function<void(int vrid)> on_peer_master) {
  on_peer_master_ = std::move(on_peer_master);
  for (auto& instance : instances_) {
    ++instance->timer_generation;  // a wake-up already queued is stale too
    instance->timer.cancel();
    instance->track_timer.cancel();
    instance->bind_retry_timer.cancel();
  }
}

void VrrpAgent::set_blocked_peers(const std::set<std::string>& peers) {
  blocked_.clear();
  for (const auto& peer : peers)
    if (auto address = vrrp::parse_ipv4(peer)) blocked_.insert(*address);
}

std::vector<VrrpInstanceStatus> VrrpAgent::status() const {
  std::vector<VrrpInstanceStatus> list;
  for (const auto& instance : instances_) {
    VrrpInstanceStatus status{instance->config.name,
                              instance->config.vrid,
                              instance->machine.state(),
                              instance->machine.effective_priority(),
                              {}};
    for (std::size_t i = 0; i < instance->config.vips.size(); ++i)
      status.vips.emplace_back(instance->config.vips[i], instance->binder.holds()[i]);
    list.push_back(std::move(status));
  }
  return list;
}

// ---------------------------------------------------------------- receiving

void VrrpAgent::receive_next() {
  socket_.async_receive_from(net::buffer(receive_buffer_), sender_,
                             [this](const boost::system::error_code& ec, std::size_t size) {
                               if (ec == net::error::operation_aborted || !running_) return;
                               // Errors such as ICMP port unreachable from a dead peer: keep listening.
                               if (!ec) on_datagram(size);
                               receive_next();
                             });
}

void VrrpAgent::on_datagram(std::size_t size) {
  const std::uint32_t source = sender_.address().is_v4() ? sender_.address().to_v4().to_uint() : 0;
  if (blocked_.count(source)) return count_drop("blocked_peer");
  if (!peers_.count(source)) return count_drop("unknown_peer");
  const std::vector<std::uint8_t> bytes(receive_buffer_.begin(), receive_buffer_.begin() + size);
  auto decoded = vrrp::decode(bytes);
  if (auto* error = std::get_if<vrrp::DecodeError>(&decoded)) return count_drop(drop_reason(*error));
  const auto& packet = std::get<vrrp::AdvertPacket>(decoded);
  auto found = by_vrid_.find(packet.vrid);
  if (found == by_vrid_.end()) return count_drop("unknown_vrid");
  ++adverts_received_;
  if (powered_off()) {
    if (packet.priority > 0) on_peer_master_(packet.vrid);
    return;
  }
  Instance& instance = *found->second;
  apply(instance, instance.machine.on_advert(monotonic_now(), vrrp::to_advert(packet, source)));
}

// ---------------------------------------------------------------- actions

void VrrpAgent::apply(Instance& instance, const vrrp::Actions& actions) {
  vrrp::carry_out(actions, instance.machine, instance.binder, monotonic_now(), instance);
}

void VrrpAgent::send_advert(Instance& instance, const vrrp::SendAdvert& advert) {
  const auto bytes = vrrp::encode(vrrp::to_packet(instance.config.vrid, advert, instance.vip_addresses));
  for (const auto& [address, endpoint] : instance.peers) {
    if (blocked_.count(address)) continue;
    // A datagram to loopback never blocks for long; sending synchronously
    // keeps the resignation advert of shutdown() ahead of the process exit.
    boost::system::error_code ec;
    socket_.send_to(net::buffer(bytes), endpoint, 0, ec);
    if (ec) {
      count_drop("send_failed");
    } else {
      ++adverts_sent_;
    }
  }
}

void VrrpAgent::arm_timer(Instance& instance, std::optional<vrrp::TimePoint> at) {
  const std::uint64_t generation = ++instance.timer_generation;
  instance.timer.cancel();
  if (!at) return;
  instance.timer.expires_at(to_steady(*at));
  instance.timer.async_wait([this, &instance, generation](const boost::system::error_code& ec) {
    if (ec || !running_ || powered_off() || generation != instance.timer_generation) return;
    apply(instance, instance.machine.on_timer(monotonic_now()));
  });
}

void VrrpAgent::poll_track(Instance& instance) {
  const bool healthy = callbacks_.healthy ? callbacks_.healthy() : true;
  apply(instance, instance.machine.on_track_result(monotonic_now(), healthy));
  instance.track_timer.expires_after(instance.config.track->interval);
  instance.track_timer.async_wait([this, &instance](const boost::system::error_code& ec) {
    if (ec || !running_ || powered_off()) return;
    poll_track(instance);
  });
}

}  // namespace wsfo::gateway
