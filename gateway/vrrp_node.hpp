#pragma once
// The VRRP agent embedded in a gateway node (docs/vrrp.md, "Embedding"):
// while an instance is MASTER the node listens on its `VIP:port`s, and what
// those listeners accept goes through the node's own handshake, routing and
// relay path. Releasing a VIP while the node lives leaves the connections
// accepted on it silent until the client sends, which then meets a reset, as
// on real hosts; its own shutdown resets them. The track check is the node's serving state;
// transitions are appended to the config's events file.
#include <utility>  // Boost 1.74's asio needs it first
//
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/vrrp/agent_config.hpp"
#include "gateway/vip_listener.hpp"
#include "gateway/vrrp_agent.hpp"

namespace wsfo::gateway {

class GatewayNode;

class NodeVrrp {
 public:
  NodeVrrp(GatewayNode& node, vrrp::AgentConfig config);
  ~NodeVrrp();
  NodeVrrp(const NodeVrrp&) = delete;
  NodeVrrp& operator=(const NodeVrrp&) = delete;

  // Opens the events file and starts the agent; the error otherwise.
  std::optional<std::string> start();
  // Graceful stop (SIGTERM): every Master sends priority 0 and releases.
  void shutdown();
  // Partition emulation (POST /faults {"drop_adverts_from": [...]}); {} heals.
  void drop_adverts_from(const std::set<std::string>& peers);
  // Power-off emulation (docs/vrrp.md, "Power-off"): the agent falls silent
  // without resigning, the VIP listeners close without a reset and without a
  // `vip` event; each VIP's held orphans are released once a peer's advert
  // shows it Master for that VIP's instance.
  void power_off();
  // For GET /health and the /faults answer: state and holds per instance.
  history::Json status() const;

 private:
  struct HeldVip {
    std::unique_ptr<VipListener> listener;
    std::set<int> accepted;  // descriptors accepted on it (checked by address before a reset)
  };

  VrrpAgentCallbacks callbacks();
  std::optional<std::string> take_vip(const std::string& address, std::uint16_t port);
  void release_vip(const std::string& address, std::uint16_t port);
  void on_taken_over(int vrid);
  void on_accepted(HeldVip& held, std::shared_ptr<boost::asio::ip::tcp::socket> socket);
  void record(const history::Event& event);
  void record_agent(const std::string& state, history::Json extra);

  GatewayNode& node_;
  std::ofstream events_;
  std::map<std::string, HeldVip> held_;  // "address:port"
  std::set<std::string> blocked_;
  VrrpAgent agent_;
  bool stopped_ = false;
  std::map<int, std::vector<boost::asio::ip::tcp::endpoint>> vips_lost_at_power_off_;  // by vrid
};

// The `drop_adverts_from` member of POST /faults: a list of IPv4 addresses
// (possibly empty: heal); nullopt with problems otherwise.
std::optional<std::set<std::string>> read_advert_peers(json::ObjectReader& faults, json::Problems& problems);

// Resets (RST) every descriptor of `candidates` that is still a TCP
// connection whose local end is `vip`; returns how many. A descriptor number
// reused by another connection fails the address check and is left alone.
std::size_t reset_connections_on(const boost::asio::ip::tcp::endpoint& vip, const std::set<int>& candidates);

}  // namespace wsfo::gateway
