// The gateway node actor: takes batches of handshakes from its mailbox, queues
// the handshake CPU cost of each chunk on its host's one CPU queue (after the
// relay work queued before it, sim_traffic.hpp) and waits until the CPU is
// done with it (so a storm queues on the CPU, and a killed host's actor dies
// with its queue), and decides each one with core/gateway's route decision,
// as the real gateway does.
#include <algorithm>
#include <charconv>

#include "core/clients/attempt.hpp"
#include "core/gateway/answers.hpp"
#include "core/gateway/handshake_cap.hpp"
#include "core/gateway/route_decision.hpp"
#include "core/gateway/upstream_choice.hpp"
#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

constexpr std::int64_t kBucketNs = 1'000'000'000;

// What the live gateway's upstream connect reports for a refused
// connection (strerror(ECONNREFUSED)); the model refuses whatever is off,
// not serving or cut off, so its 502s name their candidates the same way.
constexpr std::string_view kRefused = "Connection refused";

template <class T>
void add_to_bucket(std::vector<T>& buckets, std::int64_t t_ns, T amount) {
  auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ns / kBucketNs));
  if (buckets.size() <= index) buckets.resize(index + 1, T{});
  buckets[index] += amount;
}

class GatewayLogic {
 public:
  GatewayLogic(World& world, std::size_t index)
      : w_(world),
        g_(index),
        gw_(world.gateways()[index]),
        backend_handshake_ns_(
            scenario::simulation_or_default(world.scenario().simulation).backend_cpu.handshake.count()),
        backend_tls_ns_(world.scenario().tls_to_backends
                            ? scenario::simulation_or_default(world.scenario().simulation).tls_handshake_cpu.count()
                            : 0) {}

  void handle(Batch& batch) {
    std::int64_t now = World::now_ns();
    add_to_bucket<std::uint64_t>(gw_.capacity.arrived, now, batch.requests.size());
    const std::int64_t cost = handshake_cost(batch);
    const std::size_t chunk = static_cast<std::size_t>(
        std::max<std::int64_t>(1, w_.options().max_execution.count() / std::max<std::int64_t>(cost, 1)));
    std::vector<Request> live;
    for (std::size_t first = 0; first < batch.requests.size(); first += chunk) {
      live.clear();
      now = World::now_ns();
      // The CPU gets to this chunk after the work queued before it (relayed
      // messages included): one queue, as the live io thread.
      const std::int64_t start = now + w_.traffic().gateway_wait(g_);
      first += close_over_cap(batch, first, start);
      if (first >= batch.requests.size()) break;
      for (std::size_t i = first; i < std::min(batch.requests.size(), first + chunk); ++i) {
        const Request& r = batch.requests[i];
        if (batch.forwarded_by) {  // the proxying node's setup ends here, answered or not
          auto& in_flight = w_.gateways()[batch.forwarded_by - 1u].proxied_in_flight;
          if (in_flight) --in_flight;
        }
        // A client that gave up has closed its socket; a request older than
        // the gateway's handshake timeout when the CPU gets to it is dropped
        // unanswered (408 to a closed socket): neither costs a handshake.
        if (w_.clients().token[r.client] != r.token) continue;
        if (start - r.sent_ns > gw_.config.limits.handshake_timeout.count()) {
          ++gw_.capacity.dropped_stale;
          continue;
        }
        live.push_back(r);
      }
      if (live.empty()) continue;
      const std::int64_t work = cost * static_cast<std::int64_t>(live.size());
      const std::int64_t done = w_.traffic().queue_handshakes(g_, work);
      if (done > now) sg4::this_actor::sleep_until(static_cast<double>(done) / 1e9);
      add_to_bucket<std::uint64_t>(gw_.capacity.handled, done - work, live.size());
      Region& region = w_.regions()[batch.region];
      for (std::size_t k = 0; k < live.size(); ++k)
        answer(region, live[k], done - work + cost * static_cast<std::int64_t>(k + 1), batch.forwarded_by);
      forward_pending(batch.region);
    }
  }

 private:
  // The live gateway's cap on handshakes in progress (core/gateway/handshake_cap):
  // at the cap it stops accepting, and closes the oldest handshake whose head
  // is still unread `evict_heads_after` past its accept. Here a handshake is
  // in progress from its arrival until the CPU gets to it (the rest of this
  // batch, which arrived while the node worked on the one before); the first
  // `cap` of them are the accepted ones, the rest wait in the backlog, and
  // the oldest's age is taken from its arrival when the CPU gets to the
  // chunk, as the live accept loop shares the CPU with that work. (What the
  // regions hold for the next batch is still on its way.) Returns how many
  // were closed, from the front. Handshakes forwarded by another unit's
  // gateway (the proxy correction) are neither counted nor closed: the
  // proxying node would answer such a close with its 502 (docs/simulate.md).
  std::size_t close_over_cap(const Batch& batch, std::size_t first, std::int64_t start) {
    if (batch.forwarded_by) return 0;
    const auto& limits = gw_.config.limits;
    const std::size_t cap = limits.max_handshakes_in_progress;
    if (batch.requests.size() - first <= cap) return 0;  // the usual case: no route lookup per chunk
    const Route* back = &w_.route(gw_.host, w_.regions()[batch.region].host);
    std::size_t i = first;
    for (; i < batch.requests.size() && batch.requests.size() - i > cap; ++i) {
      const Request& r = batch.requests[i];
      const std::chrono::nanoseconds age(start - r.sent_ns);
      if (gateway::room_for_next(cap, cap, age, limits.evict_heads_after).kind != gateway::CapRoom::Kind::evict_oldest)
        break;
      if (w_.clients().token[r.client] != r.token) continue;
      ++gw_.capacity.closed_over_cap;
      if (!back->up()) continue;  // the client times out
      SimEvent e;
      e.type = EventType::result;
      e.outcome = Outcome::unanswered;
      e.client = r.client;
      e.token = r.token;
      e.node = static_cast<std::uint16_t>(g_);
      e.t_ns = World::now_ns() + back->latency_ns;
      w_.push(w_.regions()[batch.region], e);
    }
    return i - first;
  }

  // Every handshake this node answers over TLS pays for one: a redirect hop
  // is a new connection, and a handshake forwarded by another unit's gateway
  // (the proxy correction) arrives over TLS too. The forwarding gateway's
  // client side of that handshake is not charged.
  std::int64_t handshake_cost(const Batch&) const {
    const scenario::Simulation sim = scenario::simulation_or_default(w_.scenario().simulation);
    const bool tls = w_.scenario().tls;
    return (sim.handshake_cpu + (tls ? sim.tls_handshake_cpu : scenario::Duration{})).count();
  }

  void answer(Region& region, const Request& request, std::int64_t done_ns, std::uint16_t forwarded_by) {
    auto& c = w_.clients();
    if (c.token[request.client] != request.token) return;
    SimEvent e;
    e.type = EventType::result;
    e.client = request.client;
    e.token = request.token;
    e.node = static_cast<std::uint16_t>(g_);
    std::int64_t extra = 0;
    if (!gw_.serving) {
      e.outcome = Outcome::refused;
    } else {
      const HopTarget& target = w_.hop_target(c.url[request.client]);
      gateway::Decision decision = decide(request.client, region, target, forwarded_by);
      switch (decision.kind) {
        case gateway::Decision::Kind::proxy_local:
        case gateway::Decision::Kind::proxy_to_unit: {
          // target_: the request target as decide() built it, so a 404 names
          // what a live gateway receives (the routerId included in query mode).
          gateway::BackendGroup* group = gateway::upstream_group(decision, target_, *gw_.pool, gw_.unit_gateways);
          if (!group)
            refuse(e, gateway::no_route(target_));
          else if (decision.kind == gateway::Decision::Kind::proxy_local)
            extra = accept(request.client, *group, decision, e, forwarded_by);
          else if (forward(request, *group, decision, e))
            return;  // the other unit's gateway answers
          break;
        }
        case gateway::Decision::Kind::redirect: {
          e.outcome = Outcome::redirect;
          std::string error;
          auto location = clients::resolve_location(target.url, decision.location, error);
          e.text = w_.urls().intern(location ? location->text() : decision.location);
          break;
        }
        case gateway::Decision::Kind::reject:
          refuse(e, gateway::answer_to(decision));
          break;
      }
    }
    // A forwarded handshake's answer goes back through the node that proxies it.
    std::int64_t back_ns = 0;
    const sg4::Host* from = gw_.host;
    if (forwarded_by) {
      const GatewaySim& entry = w_.gateways()[forwarded_by - 1u];
      const Route& hop = w_.route(gw_.host, entry.host);
      if (!hop.up() || !entry.host->is_on()) return;  // lost; the client times out
      back_ns += hop.latency_ns;
      from = entry.host;
    }
    const Route& back = w_.route(from, region.host);
    if (!back.up()) return;  // the answer is lost; the client times out
    // Each handshake of a chunk completes at its own instant; an answer is
    // never scheduled in the past of the clock (chunks are short: 1 ms).
    e.t_ns = std::max(done_ns + extra + back_ns + back.latency_ns, World::now_ns());
    w_.push(region, e);
  }

  // The `proxy` correction (as the live node's proxy()): connect to the
  // unit's gateways in round-robin order, skipping the ones that refuse, and
  // hand the handshake on; false with a 502 in `e` when none answers.
  bool forward(const Request& request, gateway::BackendGroup& group, const gateway::Decision& decision, SimEvent& e) {
    const auto& entries = gw_.unit_entries.at(decision.unit);
    const auto now = std::chrono::nanoseconds(World::now_ns());
    gateway::UpstreamChoice choice(group, w_.clients().router_id[request.client], now);
    while (std::optional<std::size_t> index = choice.next()) {
      const UnitEntry& entry = entries[*index];
      std::optional<std::uint16_t> node = entry.vip ? w_.vips()[*entry.vip].holder : entry.node;
      const GatewaySim* target = node ? &w_.gateways()[*node] : nullptr;
      if (!target || !target->host->is_on() || !target->serving || !w_.route(gw_.host, target->host).up()) {
        choice.failed(*index, kRefused, now);
        continue;
      }
      choice.connected(*index);
      auto& c = w_.clients();
      c.node[request.client] = *node;
      c.via[request.client] = static_cast<std::uint16_t>(g_ + 1);
      if (forwards_.size() <= *node) forwards_.resize(*node + 1u);
      forwards_[*node].push_back(request);
      ++gw_.proxied_in_flight;
      return true;
    }
    refuse(e, gateway::no_upstream_answered(decision, choice.tried()));
    return false;
  }

  // One SimGrid communication per target gateway with this chunk's forwards.
  void forward_pending(std::uint16_t region) {
    for (std::size_t node = 0; node < forwards_.size(); ++node) {
      if (forwards_[node].empty()) continue;
      GatewaySim& target = w_.gateways()[node];
      auto* batch = new Batch{target.epoch, region, std::move(forwards_[node]), static_cast<std::uint16_t>(g_ + 1)};
      forwards_[node] = {};
      const std::uint64_t bytes = w_.options().handshake_bytes * batch->requests.size();
      target.mailbox->put_init(batch, bytes)->detach([](void* p) { delete static_cast<Batch*>(p); });
    }
  }

  // The refusal's status and body; the client's attempt machine words it.
  void refuse(SimEvent& e, const gateway::Answer& answer) {
    e.outcome = Outcome::reject;
    e.status = static_cast<std::uint16_t>(answer.status);
    e.text = w_.texts().intern(answer.body);
    e.extra = answer.retry_after ? std::chrono::nanoseconds(*answer.retry_after).count() : -1;
  }

  // Registers the connection on the backend core's BackendPool chooses (as
  // the live gateway: longest route prefix, round robin or routerId hash, a
  // refusing backend marked down and skipped); returns the gateway-backend
  // round trip.
  std::int64_t accept(std::uint32_t client, gateway::BackendGroup& group, const gateway::Decision& decision,
                      SimEvent& e, std::uint16_t forwarded_by) {
    std::size_t r = 0;
    while (r + 1 < gw_.route_backends.size() && gw_.config.routes[r].prefix != gw_.pool->prefix_of(&group)) ++r;
    const auto now = std::chrono::nanoseconds(World::now_ns());
    gateway::UpstreamChoice choice(group, w_.clients().router_id[client], now);
    while (std::optional<std::size_t> index = choice.next()) {
      std::uint16_t b = gw_.route_backends[r][*index];
      BackendSim& backend = w_.backends()[b];
      const Route& route = w_.route(gw_.host, backend.host);
      if (!backend.host->is_on() || !route.up()) {
        choice.failed(*index, kRefused, now);
        continue;
      }
      choice.connected(*index);
      auto& c = w_.clients();
      c.registered[client] = 1;
      c.node[client] = static_cast<std::uint16_t>(g_);
      c.backend[client] = b;
      gw_.capacity.peak_connections = std::max(gw_.capacity.peak_connections, ++gw_.connections);
      c.via[client] = forwarded_by;
      if (forwarded_by) {  // the proxying node relays it too
        GatewaySim& entry = w_.gateways()[forwarded_by - 1u];
        entry.capacity.peak_connections = std::max(entry.capacity.peak_connections, ++entry.connections);
      }
      // With "tls_to_backends" the gateway first opens TLS to the backend: a
      // client-side handshake on its CPU queue (the same calibrated figure as
      // a server-side one) and one more round trip.
      std::int64_t tls_ns = 0;
      if (backend_tls_ns_) {
        w_.traffic().queue_handshakes(g_, backend_tls_ns_);
        tls_ns = 2 * route.latency_ns;
      }
      // The backend answers the upgrade after what it has queued, before
      // the welcome and announcements this connection causes.
      const std::int64_t backend_ns = w_.traffic().backend_wait(b) + backend_handshake_ns_;
      // Its 101 comes back through this gateway's one queue, behind the
      // relay work queued since the handshake's turn (announcements).
      const std::int64_t relay_back_ns = w_.traffic().gateway_wait(g_);
      w_.traffic().connect(client);
      e.outcome = Outcome::upgraded;
      e.backend = b;
      return 2 * route.latency_ns + tls_ns + backend_ns + relay_back_ns;
    }
    refuse(e, gateway::no_upstream_answered(decision, choice.tried()));
    return 0;
  }

  gateway::Decision decide(std::uint32_t client, const Region& region, const HopTarget& target,
                           std::uint16_t forwarded_by) {
    const auto& group = w_.scenario().clients[region.group];
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, w_.clients().router_id[client]).ptr;
    std::string_view id(digits, static_cast<std::size_t>(end - digits));
    host_ = target.url.host_header();
    target_ = target.url.target;
    gateway::RequestHead head;
    head.method = "GET";
    head.fields = {{"Host", host_},
                   {"Upgrade", "websocket"},
                   {"Connection", "Upgrade"},
                   {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                   {"Sec-WebSocket-Version", "13"}};
    switch (group.mode) {
      case routing::RouterIdSource::header:
        head.fields.emplace_back("routerId", id);
        break;
      case routing::RouterIdSource::cookie:
        cookie_ = "routerId=" + std::string(id);
        head.fields.emplace_back("Cookie", cookie_);
        break;
      case routing::RouterIdSource::query:
        target_ += (target_.find('?') == std::string::npos ? "?routerId=" : "&routerId=") + std::string(id);
        break;
    }
    head.target = target_;
    if (group.browser) {  // every browser sends one; the gateway may correct browsers otherwise
      origin_ = clients::browser_origin(target.url);  // a browser's only hop is its start
      head.fields.emplace_back("Origin", origin_);
    }
    if (forwarded_by) {  // as the proxying node marks it, so a second hop is refused (508)
      const GatewaySim& entry = w_.gateways()[forwarded_by - 1u];
      forwarded_ = w_.scenario().units[entry.unit].name + "/" + entry.node;
      head.fields.emplace_back(gateway::kForwardedByHeader, forwarded_);
    }
    // As the live gateway counts: registered connections and proxied setups under way.
    return gateway::decide({head, gw_.config, *gw_.rules, gw_.connections + gw_.proxied_in_flight});
  }

  World& w_;
  std::size_t g_;
  GatewaySim& gw_;
  std::int64_t backend_handshake_ns_;                        // read once, not per accept
  std::int64_t backend_tls_ns_;  // the client side of a TLS handshake to a backend; 0 without "tls_to_backends"
  std::string host_, target_, cookie_, origin_, forwarded_;  // backing store of the request head's views
  std::vector<std::vector<Request>> forwards_;               // by target gateway: handshakes to hand on
};

}  // namespace

void mark_batch_taken(World& world, std::size_t region, std::size_t node);  // sim_region.cpp

void gateway_actor(World& world, std::size_t index) {
  GatewaySim& gw = world.gateways()[index];
  const std::uint32_t epoch = gw.epoch;
  GatewayLogic logic(world, index);
  for (;;) {
    std::unique_ptr<Batch> batch(gw.mailbox->get<Batch>());
    if (!batch->forwarded_by) mark_batch_taken(world, batch->region, index);
    if (batch->epoch != epoch) continue;  // sent to the node before it restarted
    logic.handle(*batch);
  }
}

}  // namespace wsfo::model
