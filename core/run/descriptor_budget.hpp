#pragma once
// Whether a scenario's clients fit its gateways' and backends' descriptors at
// the worst moment of its timeline: pure arithmetic over the scenario, done
// before any process starts, so that a run too big for the machine is refused
// with the numbers instead of failing its last clients with "Too many open
// files" somewhere in the middle.
//
// What it counts, per process:
// - a gateway node: 2 descriptors per connection it relays (the client's side
//   and the upstream), for the clients that reached it; with the `proxy`
//   correction, a client that reached a node of another unit costs that pair
//   there plus a second pair on a node of its own unit (the proxied-in side
//   and the backend upstream). Plus a fixed reserve: its listener, its admin
//   listener, one listener per VIP that may name it, and 64 for stdio, the
//   event loop, VRRP sockets, event and state files, admin requests and
//   handshakes in flight.
// - a backend: 1 descriptor per connection, plus 32.
//
// How clients spread (the assumption, conservative):
// - A client reaches one of the entry points of its URL's host, drawn at
//   random per attempt (the name map, like DNS round robin): a unit's VIPs
//   when it has any, else its nodes; a node or VIP address is one entry. A
//   VIP is held by the highest-priority live node it names. A redirected
//   client does the same with its own unit's entry points; a proxied one
//   reaches its unit's live nodes in turn (round robin).
// - A node's share of a group's clients is the share of the live entry points
//   it holds; to that mean a random-spread margin of 4 standard deviations is
//   added (binomial: a node exceeds it with probability below 1 in 30,000).
// - Clients already connected stay where they are: a node or backend that
//   comes back (restore, start-gateway, backend-restore, backend-add) takes
//   no connection from the others in this arithmetic, so every process is
//   counted with the live set it has never been out of, plus itself. A
//   removed backend keeps the connections it had.
// - A killed, powered-off or stopped node's clients, and those of a killed
//   backend, spread over what is left of their unit.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario/scenario.hpp"

namespace wsfo::run {

inline constexpr std::size_t kGatewayDescriptorReserve = 64;  // besides its listeners
inline constexpr std::size_t kBackendDescriptorReserve = 32;
inline constexpr double kSpreadMarginSd = 4.0;

struct DescriptorNeed {
  enum class Kind { gateway, backend };
  Kind kind = Kind::gateway;
  std::string process;  // the node or backend name
  std::string unit;
  std::string moment;           // "at the start", "after timeline[1] (kill center-gw1) at 40s"
  std::size_t connections = 0;  // gateway: relayed for clients that reached it; backend: served
  std::size_t proxied_in = 0;   // gateway: relayed for clients proxied in from another unit's node
  std::size_t reserve = 0;
  // gateway, with the scenario's "tls": a client's connection also holds the
  // TLS front's socketpair (docs/gateway-config.md, "TLS"): 4 instead of 2.
  bool tls = false;
  // gateway, with "tls_to_backends" too: the upstream side of every relayed
  // connection goes through a TLS pipe as well, 2 more each.
  bool tls_to_backends = false;
  // gateway: 2 (4 with tls, 6 with tls_to_backends) x connections + 2 (4 with
  // tls_to_backends) x proxied_in + reserve; backend: connections + reserve
  std::size_t needed() const;
};

struct DescriptorBudget {
  std::size_t limit = 0;               // descriptors one process may open
  std::vector<DescriptorNeed> peaks;   // each process's largest need over the timeline, in scenario order
  std::optional<DescriptorNeed> over;  // the largest need above the limit, if any
  const DescriptorNeed* worst(DescriptorNeed::Kind kind) const;  // the largest of that kind, or nullptr
};

// Every process's need at every moment of the timeline (the start and after
// each event), against `limit`.
DescriptorBudget descriptor_budget(const scenario::Scenario& scenario, std::size_t limit);

// "gateway center-gw2 (unit center) needs 24066 descriptors after ... : 2 x
// (12000 relayed + 0 proxied in) + 66 reserved", the arithmetic of one need.
std::string describe(const DescriptorNeed& need);

// The refusal for a budget with a need over its limit, or "".
std::string refusal(const DescriptorBudget& budget);

}  // namespace wsfo::run
