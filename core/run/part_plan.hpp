#pragma once
// The scenario turned into the typed configuration of its parts, the same for
// every engine: the live engine writes these to files and command lines, the
// model uses them as they are.
#include <string>
#include <vector>

#include "core/gateway/gateway_config.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::run {

// Where a node keeps what outlives it; empty where the engine keeps nothing.
struct NodeFiles {
  std::string state_file;        // its persisted rules state
  std::string vrrp_events_file;  // its embedded VRRP agent's events
  // With the scenario's "tls": the node's certificate and key (PEM).
  std::string tls_certificate{};
  std::string tls_key{};
  // The run's CA: the other units' gateways are verified against it, and
  // with "tls_to_backends" the unit's backends too.
  std::string tls_ca{};
};

// The gateway config of `node` of `unit`, with the scenario's rules and the
// unit's routes as they stand (a reload passes the reloaded scenario). Its
// `vrrp` is set when a VIP lists the node.
gateway::GatewayConfig gateway_config_for(const scenario::Scenario& scenario, const scenario::Unit& unit,
                                          const scenario::Node& node, const NodeFiles& files);

// Every name a client may dial `node` by, for its certificate's
// subjectAltNames: its unit's public_url host and subdomain, the domain when
// it resolves to the unit, the node's address and the addresses of the VIPs
// it may hold. The first is the unit's public name. No repeats.
std::vector<std::string> certificate_names(const scenario::Scenario& scenario, const scenario::Unit& unit,
                                           const scenario::Node& node);

// "address:port" of each place a client reaches `unit` at: its VIPs when it
// has any (VRRP holds them), otherwise its nodes.
std::vector<std::string> unit_entry_points(const scenario::Unit& unit);

}  // namespace wsfo::run
