#include "gateway/vrrp_node.hpp"

#include <sys/socket.h>

#include <cstring>

#include "core/vrrp/vrrp_events.hpp"
#include "gateway/gateway_node.hpp"
#include "gateway/relay_descriptor.hpp"

namespace wsfo::gateway {

namespace {

std::string key(const std::string& address, std::uint16_t port) { return address + ":" + std::to_string(port); }

bool local_end_is(int fd, const tcp::endpoint& vip) {
  int type = 0;
  socklen_t type_size = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_size) != 0 || type != SOCK_STREAM) return false;
  tcp::endpoint local;
  socklen_t size = static_cast<socklen_t>(local.capacity());
  if (::getsockname(fd, local.data(), &size) != 0) return false;
  local.resize(size);
  sockaddr_storage peer{};
  socklen_t peer_size = sizeof peer;
  return local == vip && ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) == 0;
}

}  // namespace

std::optional<std::set<std::string>> read_advert_peers(json::ObjectReader& faults, json::Problems& problems) {
  const json::Json* list = faults.array("drop_adverts_from", true);
  if (!list) return std::nullopt;
  std::set<std::string> peers;
  const std::string pointer = faults.pointer_of("drop_adverts_from");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    boost::system::error_code ec;
    if (item.is_string()) net::ip::make_address_v4(item.get<std::string>(), ec);
    if (!item.is_string() || ec) {
      problems.add(json::pointer_append(pointer, i), "expected a node's IPv4 address, got " + item.dump());
      continue;
    }
    peers.insert(item.get<std::string>());
  }
  if (peers.size() != list->size() && problems.empty()) problems.add(pointer, "an address is listed twice");
  return problems.empty() ? std::optional(peers) : std::nullopt;
}

std::size_t reset_connections_on(const tcp::endpoint& vip, const std::set<int>& candidates) {
  std::size_t reset = 0;
  for (int fd : candidates)
    if (local_end_is(fd, vip) && reset_in_place(fd)) ++reset;
  return reset;
}

NodeVrrp::NodeVrrp(GatewayNode& node, vrrp::AgentConfig config)
    : node_(node), agent_(node.io, std::move(config), callbacks()) {}

NodeVrrp::~NodeVrrp() {
  for (auto& [name, held] : held_) held.listener->close_and_reset();
}

VrrpAgentCallbacks NodeVrrp::callbacks() {
  VrrpAgentCallbacks callbacks;
  callbacks.take_vip = [this](const std::string&, const std::string& address, std::uint16_t port) {
    return take_vip(address, port);
  };
  callbacks.release_vip = [this](const std::string&, const std::string& address, std::uint16_t port) {
    release_vip(address, port);
  };
  callbacks.event = [this](const history::Event& event) { record(event); };
  // keepalived's track_script on the gateway: FAULT while it does not serve.
  callbacks.healthy = [this] { return node_.serving && !node_.shutting_down; };
  return callbacks;
}

std::optional<std::string> NodeVrrp::start() {
  const auto& config = agent_.config();
  if (!config.events_file.empty()) {
    events_.open(config.events_file, std::ios::app);
    if (!events_) return "cannot open the VRRP events file '" + config.events_file + "'";
  }
  if (auto error = agent_.start()) return error;
  record_agent("started", {{"address", config.address}, {"advert_port", config.advert_port}});
  return std::nullopt;
}

void NodeVrrp::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  agent_.shutdown();
  record_agent("stopped", {{"dropped", history::Json(agent_.dropped())},
                           {"adverts_sent", agent_.adverts_sent()},
                           {"adverts_received", agent_.adverts_received()}});
}

void NodeVrrp::drop_adverts_from(const std::set<std::string>& peers) {
  blocked_ = peers;
  agent_.set_blocked_peers(peers);
  record_agent(peers.empty() ? "healed" : "partitioned", {{"blocked_peers", peers}});
}

std::optional<std::string> NodeVrrp::take_vip(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  const auto ip = net::ip::make_address_v4(address, ec);
  if (ec) return "invalid address " + address;
  auto [it, inserted] = held_.try_emplace(key(address, port));
  HeldVip& held = it->second;
  if (!held.listener)
    held.listener = std::make_unique<VipListener>(
        node_.io, tcp::endpoint(ip, port), [this, &held](auto socket) { on_accepted(held, std::move(socket)); },
        [this] {
          const auto& limits = node_.config.limits;
          return node_.pending_heads.make_room(limits.max_handshakes_in_progress, limits.evict_heads_after);
        });
  if (auto error = held.listener->open()) {
    held_.erase(it);
    return error;
  }
  log_line(node_) << "holds VIP " << key(address, port) << "\n";
  return std::nullopt;
}

void NodeVrrp::on_accepted(HeldVip& held, std::shared_ptr<tcp::socket> socket) {
  // Forget descriptors closed since (or reused elsewhere) before the set grows.
  if (held.accepted.size() >= 1024 && held.accepted.size() % 1024 == 0)
    std::erase_if(held.accepted, [&](int fd) { return !local_end_is(fd, held.listener->endpoint()); });
  held.accepted.insert(socket->native_handle());
  node_.accept_connection(std::move(*socket));
}

// A node that lets the address go while it lives (BACKUP, FAULT) leaves its
// relayed connections as a real host does, silent: they become orphans
// (docs/vrrp.md, "Releasing a VIP"). On its own shutdown they are reset, as
// are handshakes still under way, which have no relay to play an orphan.
void NodeVrrp::release_vip(const std::string& address, std::uint16_t port) {
  auto it = held_.find(key(address, port));
  if (it == held_.end()) return;
  HeldVip& held = it->second;
  held.listener->close_and_reset();
  const tcp::endpoint vip = held.listener->endpoint();
  std::size_t orphaned = 0;
  if (!stopped_) {
    for (RegisteredConnection* connection : node_.registry.all()) {
      const int fd = connection->client_descriptor();
      if (fd < 0 || !local_end_is(fd, vip)) continue;
      held.accepted.erase(fd);
      connection->orphan();
      ++orphaned;
    }
  }
  std::size_t reset = reset_connections_on(vip, held.accepted);
  held_.erase(it);
  log_line(node_) << "released VIP " << key(address, port) << ", orphaned " << orphaned << ", reset " << reset
                  << " connection(s)\n";
}

void NodeVrrp::power_off() {
  if (agent_.powered_off()) return;
  for (const auto& instance : agent_.config().instances)
    for (const auto& vip : instance.vips)
      if (auto it = held_.find(key(vip.address, vip.port)); it != held_.end()) {
        vips_lost_at_power_off_[instance.vrid].push_back(it->second.listener->endpoint());
        it->second.listener->close_silently();
      }
  held_.clear();
  agent_.power_off([this](int vrid) { on_taken_over(vrid); });
  log_line(node_) << "VRRP agent powered off: silent, " << vips_lost_at_power_off_.size()
                  << " instance(s) held VIPs\n";
}

// The new holder answers the orphans' segments with resets.
void NodeVrrp::on_taken_over(int vrid) {
  auto it = vips_lost_at_power_off_.find(vrid);
  if (it == vips_lost_at_power_off_.end()) return;
  std::size_t released = 0;
  for (RegisteredConnection* connection : node_.registry.all()) {
    const int fd = connection->client_descriptor();
    if (fd < 0) continue;
    for (const auto& vip : it->second)
      if (local_end_is(fd, vip)) {
        connection->release_held_orphan();
        ++released;
        break;
      }
  }
  log_line(node_) << "a peer is Master for vrid " << vrid << ": released " << released << " held orphan(s)\n";
  vips_lost_at_power_off_.erase(it);
}

history::Json NodeVrrp::status() const {
  history::Json instances = history::Json::array();
  for (const auto& s : agent_.status()) {
    history::Json vips = history::Json::array();
    for (const auto& [vip, hold] : s.vips)
      vips.push_back({{"vip", key(vip.address, vip.port)},
                      {"held", hold == VipHold::held},
                      {"bind_failed", hold == VipHold::bind_failed}});
    instances.push_back({{"name", s.name},
                         {"vrid", s.vrid},
                         {"state", vrrp::to_string(s.state)},
                         {"priority", s.priority},
                         {"vips", vips}});
  }
  return {{"instances", instances}, {"drop_adverts_from", blocked_}};
}

void NodeVrrp::record(const history::Event& event) {
  if (events_.is_open()) events_ << history::to_json_line(event) << std::endl;  // flushed: a SIGKILL keeps it
}

void NodeVrrp::record_agent(const std::string& state, history::Json extra) {
  record(vrrp::agent_event(agent_.config().node, state, std::move(extra), monotonic_now()));
}

}  // namespace wsfo::gateway
