#pragma once
// The scenario model (DESIGN.md §3): what the live runner, the SimGrid model,
// the VRRP emulation and the reports all read. Plain values, already validated
// by scenario_loader: every name referenced here exists, every address is a
// loopback IPv4 address, every timeline event is in order and within the run.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/routing/router_id.hpp"
#include "core/routing/rule_set.hpp"

namespace wsfo::scenario {

using Duration = std::chrono::nanoseconds;

// ---------------------------------------------------------------- units

struct Node {  // an LB node: a gateway plus a VRRP agent
  std::string name;
  std::string address;           // 127.x.y.z, the node's own address (VRRP adverts travel between these)
  std::uint16_t port = 0;        // the gateway's WebSocket port, on the node address and on held VIPs
  std::uint16_t admin_port = 0;  // the gateway's admin HTTP API
};

struct VipPriority {
  std::string node;
  int priority = 0;  // 1-254

  bool operator==(const VipPriority&) const = default;
};

struct GatewayTrack {  // keepalived track_script on the gateway's health
  Duration interval{};
  int weight = 0;  // 0: a failed check puts the instance in FAULT; otherwise added to the priority
};

struct Vip {  // one VRRP instance
  std::string name;
  std::string address;
  std::uint16_t port = 0;
  int vrid = 0;          // virtual_router_id, 1-255
  int vrrp_version = 2;  // 2: keepalived's default skew (256-prio)/256 s; 3: RFC 5798
  Duration advert_interval{};
  bool preempt = true;
  std::vector<VipPriority> priorities;  // highest first; each node belongs to the VIP's unit
  std::optional<GatewayTrack> track_gateway;
};

struct Backend {  // a scripted backend app (DESIGN.md §1 "backends")
  std::string name;
  std::string address;
  std::uint16_t port = 0;
  Duration broadcast_interval{};  // "<seq>:<label>" broadcast period
  // "<label> new connection: <path>" goes to every client ("all", the seed's
  // app) or only to the new one ("self": O(clients) instead of O(clients^2)
  // messages while a large fleet connects).
  bool announce_to_all = true;
  // Broadcasts are padded to this many bytes ("<seq>:<label>|xxxx"); 0: unpadded.
  std::size_t message_size = 0;
};

enum class Balance { round_robin, router_id_hash };

struct Route {  // URI route: longest path prefix wins
  std::string prefix;
  std::vector<std::string> backends;
  Balance balance = Balance::round_robin;
};

struct Unit {
  std::string name;
  std::string label;       // e.g. "hangzhou": appears in the backends' welcome text
  std::string subdomain;   // e.g. "center.websocket.msha.tech"
  std::string public_url;  // redirect target: "ws://center.websocket.msha.tech:8020"
  std::vector<Node> nodes;
  std::vector<Vip> vips;
  std::vector<Backend> backends;
  std::vector<Route> routes;
};

// ---------------------------------------------------------------- gateway policy

enum class Correction { redirect, proxy };

struct MissingRouterIdPolicy {
  enum class Kind { local, reject, unit };
  Kind kind = Kind::local;
  std::string unit;  // for Kind::unit
};

struct RouterIdPolicy {
  std::vector<routing::RouterIdSource> sources{std::begin(routing::kDefaultSourceOrder),
                                               std::end(routing::kDefaultSourceOrder)};
  MissingRouterIdPolicy missing;
  std::uint32_t modulus = routing::kDefaultModulus;
};

struct GatewayPolicy {
  Correction correction = Correction::redirect;
  // For handshakes from browsers (an Origin header); none: as `correction`.
  std::optional<Correction> browser_correction{};
  RouterIdPolicy router_id;
  // Each node's limits.max_connections (503 with Retry-After above it); absent: the gateway's default.
  std::optional<std::size_t> max_connections{};
  // Each node's limits.max_handshakes_in_progress (the oldest incomplete
  // handshakes over it are closed unanswered); absent: the gateway's default.
  std::optional<std::size_t> max_handshakes_in_progress{};
};

struct Domain {
  std::string name;   // e.g. "websocket.msha.tech"
  std::string cname;  // the unit the domain resolves to
};

// ---------------------------------------------------------------- clients

struct RouterIdList {
  std::vector<std::uint64_t> ids;
};
struct RouterIdRange {  // every routerId from..to
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};
struct RouterIdRandom {  // `count` distinct routerIds drawn in [from, to], reproducible from `seed`
  std::uint64_t count = 0;
  std::uint64_t seed = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};
using RouterIdSpec = std::variant<RouterIdList, RouterIdRange, RouterIdRandom>;

std::uint64_t count_of(const RouterIdSpec& spec);

struct FixedReconnect {
  Duration delay{};
};
struct BackoffReconnect {  // min(cap, base * 2^attempt), then ± jitter (a fraction)
  Duration base{};
  Duration cap{};
  double jitter = 0;
};
using ReconnectPolicy = std::variant<FixedReconnect, BackoffReconnect>;

struct Heartbeat {
  Duration interval{};
  Duration timeout{};  // no pong or message for this long: the peer is considered gone
};

struct WsUrl {
  std::string scheme;  // "ws" or "wss"
  std::string host;
  std::uint16_t port = 0;  // explicit or the scheme's default
  std::string target;      // path and query, starting with '/'
  std::string text;        // as written
};

struct ClientGroup {
  std::string name;
  RouterIdSpec router_ids;
  WsUrl url;  // host: the domain, a unit subdomain, or a node / VIP address
  routing::RouterIdSource mode = routing::RouterIdSource::header;  // how clients send their routerId
  ReconnectPolicy reconnect = FixedReconnect{std::chrono::milliseconds(1500)};
  std::optional<Heartbeat> heartbeat;
  int max_redirects = 5;               // a longer chain is reported as a redirect loop
  bool connect_at_start = true;        // false: the group connects at its clients-add event
  std::optional<std::string> address;  // source address for the live plan
  // Behaves as a browser's WebSocket: routerId by query or cookie only, an
  // Origin header, and a 30x on the upgrade is not followed (it fails).
  bool browser = false;
};

// ---------------------------------------------------------------- expectations

struct SlotSpan {
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  bool contains(std::uint32_t slot) const { return slot >= first && slot <= last; }
  bool operator==(const SlotSpan&) const = default;
};

struct DisconnectNone {};
struct DisconnectRouterIds {  // exactly these
  std::vector<std::uint64_t> ids;
};
struct DisconnectSlots {  // exactly the clients whose slot is in one of these
  std::vector<SlotSpan> spans;
};
struct DisconnectCount {  // how many, within bounds
  std::uint64_t min = 0;
  std::uint64_t max = 0;
};
using DisconnectExpectation = std::variant<DisconnectNone, DisconnectRouterIds, DisconnectSlots, DisconnectCount>;

struct VipExpectation {  // `vip` is held by `holder` at most `within` after the event
  std::string vip;
  std::string holder;
  Duration within{};
};

// Clients of `group` left on a dead connection when a VIP left their node in
// the event's window (checks/silent_connections.hpp): each noticed within
// `noticed_within`, or, when it is absent, none noticed before the window ended.
struct DeadConnectionExpectation {
  std::string group;
  std::optional<Duration> noticed_within;
};

struct Expectation {
  std::optional<DisconnectExpectation> disconnected;
  std::optional<Duration> reconnect_within;  // every disconnected client is back within this
  std::optional<std::string> land_in;        // the unit disconnected clients must be served by afterwards
  std::optional<std::uint64_t> messages_lost_max;
  bool no_dual_service = false;   // no routerId served by two units at once
  bool no_redirect_loop = false;  // no client exceeds its redirect bound
  std::vector<VipExpectation> vips;
  std::optional<std::string> cutover{};       // outcome of a cutover event: "committed", "aborted", "rolled-back"
  bool same_version = false;                  // after the event every gateway answers, on one rules version
  std::vector<std::string> detects{};         // at least one of these anomalies is seen: "bounce", "dual_service"
  std::vector<std::string> reach_backends{};  // each serves a connection opened in the event's window
  std::vector<DeadConnectionExpectation> dead_connections{};
  // true: two or more nodes are MASTER for one VIP at some moment of the event's
  // window (from the event to the next); false: at no moment of it.
  std::optional<bool> split_brain{};

  bool empty() const {
    return !disconnected && !reconnect_within && !land_in && !messages_lost_max && !no_dual_service &&
           !no_redirect_loop && vips.empty() && !cutover && !same_version && detects.empty() &&
           reach_backends.empty() && dead_connections.empty() && !split_brain;
  }
};

// ---------------------------------------------------------------- timeline

struct Cutover {
  routing::RuleSet rules;  // version greater than the rules in force before
  bool fence = true;       // two-phase prepare/commit (DESIGN.md §1 "fence")
  Duration skew{};         // without the fence: spread of the moments gateways learn the rules
  Duration catch_up{};     // with the fence: wait between prepare and commit
  // Pre-checks skipped for an emergency (cutover::precheck_names()); each skip
  // is recorded in the cutover's result.
  std::vector<std::string> skip{};
  // A rollout step (prepare, commit) a gateway acknowledges later than this
  // fails the rollout, which then rolls back. Absent: no deadline.
  std::optional<Duration> step_deadline{};
};
struct KillNode {  // SIGKILL: gateway and VRRP agent die
  std::string node;
};
// The node's host goes dark: its link goes down, so its peers and clients hear
// nothing more (no reset, no end of file). Only a stack whose nodes have links
// of their own can play it as such; wsfo's loopback emulation and the model
// play it as a kill.
struct PowerOff {
  std::string node;
};
struct StopGateway {  // the gateway stops, the VRRP agent lives (tracked check fails)
  std::string node;
};
struct StartGateway {
  std::string node;
};
struct RestoreNode {  // a killed or powered-off node comes back
  std::string node;
};
struct BackendKill {
  std::string backend;
};
struct BackendRestore {
  std::string backend;
};
struct BackendAdd {  // graceful reload: existing connections untouched
  std::string unit;
  Backend backend;
  std::optional<std::string> route;  // prefix; absent: every route of the unit
};
struct BackendRemove {
  std::string unit;
  std::string backend;
  std::optional<std::string> route;  // prefix; absent: every route of the unit
};
struct Partition {  // VRRP adverts between the two nodes are dropped
  std::string a;
  std::string b;
};
struct Heal {
  std::string a;
  std::string b;
};
struct ClientsAdd {
  std::string group;
};
// The node's admin API stops answering (connections refused): a cutover's
// calls to it fail. The gateway keeps serving. Lifted by AdminRestore.
struct AdminUnreachable {
  std::string node;
};
// Every request to the node's admin API is answered `delay` late (below the
// runs' 3 s admin timeout: a slower API is unreachable). Lifted by AdminRestore.
struct AdminSlow {
  std::string node;
  Duration delay{};
};
struct AdminRestore {  // the node's admin API answers again, promptly
  std::string node;
};
struct Wait {};

using Action = std::variant<Cutover, KillNode, PowerOff, StopGateway, StartGateway, RestoreNode, BackendKill,
                            BackendRestore, BackendAdd, BackendRemove, Partition, Heal, ClientsAdd, AdminUnreachable,
                            AdminSlow, AdminRestore, Wait>;

// The name used in scenario files: "cutover", "stop-gateway", ...
std::string action_name(const Action& action);

struct TimelineEvent {
  Duration at{};  // since the start of the run
  Action action;
  Expectation expect;
};

// ---------------------------------------------------------------- simulation

struct Link {
  Duration latency{};
  double bandwidth_mbps = 0;
};

// CPU a backend host spends, as `wsfo calibrate` measures it.
struct BackendCpu {
  Duration handshake{};  // per WebSocket upgrade accepted
  Duration broadcast{};  // per broadcast or announcement, whatever its fan-out
  Duration message{};    // per message sent to one client (fan-out, welcome, echo, pong)
  Duration close{};      // per connection of its that ends (0: paid with the handshake)
};

// Every part of the run on one machine of `cores` cores, as a live run on
// this machine is: the gateways, backends and client fleet processes share
// them (each process single-threaded, at most one core), and the clients'
// work is charged too. Without it, each gateway and backend has a CPU of its
// own and the clients cost nothing (a production what-if).
struct Testbed {
  double cores = 2;
  Duration client_handshake{};  // client fleet CPU per connection attempt (connect, 101, history event)
  Duration client_message{};    // client fleet CPU per message it receives
  Duration client_close{};      // client fleet CPU per connection that ends under it (its disconnected event)
};

struct Simulation {  // SimGrid model parameters
  Link within_unit;
  Link between_units;
  Duration handshake_cpu{};        // gateway CPU time per WebSocket handshake
  Duration message_cpu{};          // gateway CPU time per relayed message
  Duration message_cpu_per_kib{};  // gateway CPU time added per KiB of a relayed message's payload
  Duration close_cpu{};            // gateway CPU time per relayed connection it closes (0: paid with the handshake)
  // Gateway CPU time a full TLS handshake adds to a WebSocket handshake when
  // the scenario has "tls": true (each redirect hop is a new TLS handshake).
  Duration tls_handshake_cpu{};
  BackendCpu backend_cpu{};
  std::optional<Testbed> testbed;  // none: every host has its own CPU
};

// The scenario's `simulation` block with the defaults (docs/simulate.md) for
// what it leaves out; the defaults alone when it has none.
Simulation simulation_or_default(const std::optional<Simulation>& written);
Simulation default_simulation();

// ---------------------------------------------------------------- stack

// What realises the gateway nodes and VIPs: wsfo's own gateway and VRRP
// emulation, or plain nginx with keepalived.
enum class StackKind { wsfo, nginx_keepalived };

std::string stack_kind_name(StackKind kind);  // "wsfo", "nginx-keepalived"
std::optional<StackKind> parse_stack_kind(const std::string& name);
std::vector<std::string> stack_kind_names();  // every kind, as written in scenario files

struct Stack {
  StackKind kind = StackKind::wsfo;
  std::size_t nginx_workers = 1;                    // worker_processes of each node's nginx
  std::optional<Duration> worker_shutdown_timeout;  // nginx's, on reload; none: nginx's default (wait)
};

// ---------------------------------------------------------------- scenario

struct Scenario {
  std::string name;
  std::string description;
  Duration duration{};
  // wss:// end to end: every gateway terminates TLS with certificates the run
  // makes, and every public_url and client URL is wss:// (ws:// without it).
  bool tls = false;
  // With `tls`: every backend serves wss:// only with a certificate the run
  // makes, and the gateways reach them over TLS (one more handshake per
  // proxied connection, client side).
  bool tls_to_backends = false;
  Stack stack;
  Domain domain;
  GatewayPolicy gateway;
  std::vector<Unit> units;
  routing::RuleSet rules;  // version 1 of the run
  std::vector<ClientGroup> clients;
  std::vector<TimelineEvent> timeline;
  std::optional<Simulation> simulation;

  const Unit* find_unit(const std::string& name) const;
  const Unit* unit_of_node(const std::string& node) const;
  const Node* find_node(const std::string& name) const;
  const Backend* find_backend(const std::string& name) const;  // initial backends only
  const Vip* find_vip(const std::string& name) const;
  const ClientGroup* find_group(const std::string& name) const;
  std::vector<std::string> unit_names() const;
  std::uint64_t client_count() const;
};

// A graceful reload of the timeline applied to a scenario's units: the added
// backend joins the unit and its routes (every route, or the one named), or
// the removed one leaves the routes. The live runner and the model both play
// reloads through these. "" or why not.
std::string apply_reload(Scenario& scenario, const BackendAdd& add);
std::string apply_reload(Scenario& scenario, const BackendRemove& remove);

}  // namespace wsfo::scenario
