// The client region actor: one per client group. Every client of the group is
// a row of the ClientTable; its next step is an entry of the region's
// priority queue (start an attempt, a gateway's answer, a handshake timeout,
// a close). The actor sleeps until the earliest entry, or until a gateway or
// the timeline pushes an earlier one, and sends each instant's handshakes to
// each gateway as one SimGrid communication.
#include <algorithm>
#include <unordered_map>

#include "core/clients/attempt.hpp"
#include "core/clients/client_stream.hpp"
#include "core/gateway/answers.hpp"
#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

// [region][node]: 1 + the gateway epoch of the batch this region has in
// flight to that node, 0 for none. At most one batch per region and node
// waits at a gateway's mailbox: SimGrid destroys each communication with a
// scan of the mailbox queue, which made a storm's long queue quadratic.
// TODO(sim): move into Region (sim_world.hpp) with the next header change.
std::vector<std::vector<std::uint32_t>> in_flight;

using clients::AttemptError;

class RegionLogic {
 public:
  RegionLogic(World& world, Region& region)
      : w_(world),
        region_(region),
        c_(world.clients()),
        max_redirects_(world.scenario().clients[region.group].max_redirects),
        fresh_(max_redirects_, world.scenario().clients[region.group].browser ? clients::Redirects::refuse
                                                                              : clients::Redirects::follow) {}

  void handle(const SimEvent& e) {
    switch (e.type) {
      case EventType::start:
        if (c_.state[e.client] == ClientState::idle) begin_attempt(e.client, e.t_ns);
        break;
      case EventType::result:
        if (c_.token[e.client] == e.token && c_.state[e.client] == ClientState::connecting) {
          // An HTTP answer waits for the fleet's CPU (testbed); a refused or
          // reset connect costs it next to nothing (no request, no answer to parse).
          const bool http =
              e.outcome != Outcome::refused && e.outcome != Outcome::reset && e.outcome != Outcome::unanswered;
          if (!e.handled && http && w_.traffic().testbed()) {
            SimEvent later = e;
            later.handled = true;
            later.t_ns = w_.traffic().client_handles(region_.group, e.client, e.t_ns);
            if (later.t_ns > e.t_ns + kClockToleranceNs) {
              w_.push(region_, later);
              break;
            }
          }
          on_result(e);
        }
        break;
      case EventType::timeout:
        if (c_.token[e.client] == e.token && c_.state[e.client] == ClientState::connecting) on_timeout(e);
        break;
      case EventType::close:
        if (c_.token[e.client] != e.token) break;
        // On a testbed the fleet reads the end of file or the close frame when
        // its CPU gets to it: a node's death reaches its clients one by one.
        if (!e.handled && c_.state[e.client] == ClientState::connected && w_.traffic().testbed()) {
          SimEvent later = e;
          later.handled = true;
          later.t_ns = w_.traffic().client_closes(region_.group, e.t_ns);
          if (later.t_ns > e.t_ns + kClockToleranceNs) {
            w_.push(region_, later);
            break;
          }
        }
        on_close(e);
        break;
    }
  }

  void flush() {
    auto& gateways = w_.gateways();
    for (std::size_t g = 0; g < region_.outgoing.size(); ++g) {
      auto& pending = region_.outgoing[g];
      if (pending.empty()) continue;
      auto& flight = in_flight[region_.group][g];
      if (flight == gateways[g].epoch + 1) continue;  // sent with the next batch the gateway takes
      flight = gateways[g].epoch + 1;
      auto* batch = new Batch{gateways[g].epoch, static_cast<std::uint16_t>(region_.group), std::move(pending)};
      pending = {};
      std::uint64_t bytes = w_.options().handshake_bytes * batch->requests.size();
      gateways[g].mailbox->put_init(batch, bytes)->detach([](void* p) { delete static_cast<Batch*>(p); });
    }
  }

 private:
  void begin_attempt(std::uint32_t client, std::int64_t t) {
    ++c_.attempts[client];
    end_chain(client);
    send_hop(client, region_.url, t, true);
  }

  void send_hop(std::uint32_t client, std::uint16_t url, std::int64_t t, bool first) {
    const HopTarget& target = w_.hop_target(url);
    c_.url[client] = url;
    c_.vip[client] = 0;
    c_.via[client] = 0;
    const std::uint64_t draw = w_.draw(client);  // drawn before the name is looked up, as live
    if (target.nodes.empty() && target.vips.empty()) {
      fail(client, t,
           clients::Attempt::on_failure(AttemptError::unresolvable, clients::unresolvable_reason(target.url.host)));
      return;
    }
    std::optional<std::uint16_t> node;
    if (!target.vips.empty()) {
      const std::uint16_t v = target.vips[clients::address_pick(draw, target.vips.size())];
      c_.vip[client] = static_cast<std::uint16_t>(v + 1);
      node = w_.vips()[v].holder;
    } else {
      node = target.nodes[clients::address_pick(draw, target.nodes.size())];
    }
    // Nobody holding the VIP, nothing listens on its address: the unit's
    // first node stands in for where the RST comes from.
    const std::uint16_t g = node ? *node : w_.first_node_of(w_.vips()[c_.vip[client] - 1u].unit);
    if (first) {
      LogRecord r;
      r.t_ns = t;
      r.client = client;
      r.kind = LogKind::attempt;
      r.node = g;
      r.a = region_.url;
      r.b = c_.vip[client];
      r.n = c_.attempts[client];
      w_.record(r);
    }
    ++c_.token[client];
    c_.state[client] = ClientState::connecting;
    c_.node[client] = g;
    c_.since_ns[client] = t;
    GatewaySim& gw = w_.gateways()[g];
    const Route& route = w_.route(region_.host, gw.host);
    if (!node || !gw.host->is_on() || !gw.serving) {  // no listener: the SYN is answered by a RST
      refuse(client, t, route.latency_ns);
      return;
    }
    if (route.up()) region_.outgoing[g].push_back({client, c_.token[client], t});
    SimEvent e;
    e.client = client;
    e.token = c_.token[client];
    e.type = EventType::timeout;
    e.t_ns = t + w_.options().client_handshake_timeout.count();
    w_.push(region_, e);
  }

  void refuse(std::uint32_t client, std::int64_t t, std::int64_t one_way_ns) {
    SimEvent e;
    e.client = client;
    e.token = c_.token[client];
    e.type = EventType::result;
    e.outcome = Outcome::refused;
    e.t_ns = t + 2 * one_way_ns;
    w_.push(region_, e);
  }

  // The gateway's answer (or the RST) goes through the client's attempt
  // machine, as the live client's does.
  void on_result(const SimEvent& e) {
    const std::uint32_t client = e.client;
    if (e.outcome == Outcome::refused)
      return fail(client, e.t_ns,
                  clients::Attempt::on_failure(AttemptError::refused, clients::refused_reason(peer(client))));
    if (e.outcome == Outcome::reset)
      return fail(
          client, e.t_ns,
          clients::Attempt::on_failure(AttemptError::connect_failed,
                                       clients::connect_failed_reason(peer(client), "Connection reset by peer")));
    if (e.outcome == Outcome::unanswered)  // as Beast's parser reads an end of file before the status line
      return fail(client, e.t_ns,
                  clients::Attempt::on_failure(AttemptError::bad_http,
                                               clients::garbage_answer_reason(peer(client), "end of stream")));
    clients::Answer answer;
    if (e.outcome == Outcome::upgraded) {
      answer.status = 101;
    } else if (e.outcome == Outcome::redirect) {
      answer.status = e.status ? e.status : 302;  // the route decision's redirect is a 302
      answer.location = w_.urls().at(e.text);
    } else {
      answer = refusal(e);
    }
    clients::Attempt& machine = chain(client);
    clients::Step step = machine.on_answer(w_.hop_target(c_.url[client]).url, answer);
    switch (step.kind) {
      case clients::Step::Kind::open:
        connected(client, e);
        break;
      case clients::Step::Kind::follow: {
        const auto next = static_cast<std::uint16_t>(w_.urls().intern(step.next.text()));
        LogRecord r;
        r.t_ns = e.t_ns;
        r.client = client;
        r.kind = LogKind::redirect;
        r.a = c_.url[client];
        r.b = next;
        r.n = static_cast<std::uint32_t>(step.status);
        w_.record(r);
        const auto redirects = static_cast<std::uint8_t>(machine.redirects());
        if (c_.hops[client] == 0) chains_.insert_or_assign(client, std::move(fresh_));
        c_.hops[client] = redirects;
        send_hop(client, next, e.t_ns, false);
        break;
      }
      case clients::Step::Kind::fail:
        fail(client, e.t_ns, std::move(step));
        break;
    }
  }

  // The gateway's refusal as the client reads it: status line and body.
  clients::Answer refusal(const SimEvent& e) {
    clients::Answer answer;
    answer.status = e.status;
    answer.reason_phrase = gateway::reason_phrase(e.status);
    answer.body = w_.texts().at(e.text);
    if (e.extra >= 0) answer.retry_after = clients::Nanos(e.extra);
    return answer;
  }

  // The machine of the client's chain: kept per client only once a redirect
  // was followed; a chain's first answer uses a fresh one.
  clients::Attempt& chain(std::uint32_t client) {
    if (c_.hops[client] != 0) {
      auto it = chains_.find(client);
      if (it != chains_.end()) return it->second;
    }
    fresh_.start();
    return fresh_;
  }

  void end_chain(std::uint32_t client) {
    if (c_.hops[client] != 0) chains_.erase(client);
    c_.hops[client] = 0;
  }

  // The address the client dialed for the current hop, as the live client names its peer.
  const std::string& peer(std::uint32_t client) {
    return c_.vip[client] ? w_.vips()[c_.vip[client] - 1u].endpoint : w_.gateways()[c_.node[client]].address;
  }

  void connected(std::uint32_t client, const SimEvent& e) {
    LogRecord r;
    r.t_ns = e.t_ns;
    r.client = client;
    r.kind = LogKind::connected;
    r.node = e.node;
    r.a = c_.url[client];
    r.b = e.backend;
    r.n = c_.hops[client];
    r.d = e.t_ns - c_.since_ns[client];
    w_.record(r);
    end_chain(client);
    c_.state[client] = ClientState::connected;
    c_.since_ns[client] = e.t_ns;
    c_.failures[client] = 0;
    w_.skip_draws(client, 1);  // the mask of its first message
  }

  void on_timeout(const SimEvent& e) {
    std::uint32_t client = e.client;
    w_.unregister(client);
    ++c_.token[client];  // a late answer is ignored
    fail(client, e.t_ns,
         clients::Attempt::on_failure(AttemptError::handshake_timeout,
                                      clients::timeout_reason(AttemptError::handshake_timeout, peer(client),
                                                              w_.options().client_handshake_timeout)));
  }

  void on_close(const SimEvent& e) {
    std::uint32_t client = e.client;
    if (c_.state[client] == ClientState::connecting) {
      // Closed right after the gateway accepted it, before its 101 reached the
      // client: the client sees the 101 and then the close.
      SimEvent upgraded = e;
      upgraded.node = c_.node[client];
      upgraded.backend = c_.backend[client];
      connected(client, upgraded);
    }
    if (c_.state[client] != ClientState::connected) return;
    LogRecord r;
    r.t_ns = e.t_ns;
    r.client = client;
    r.kind = LogKind::disconnected;
    bool lost = e.outcome == Outcome::reset;
    r.sub = e.cause ? e.cause : static_cast<std::uint8_t>(lost ? CloseCause::connection_lost : CloseCause::server_close);
    r.node = c_.node[client];
    r.a = c_.backend[client];
    r.n = e.status;
    r.text = e.text;
    r.d = e.t_ns - c_.since_ns[client];
    if (auto rtt = w_.traffic().ping_rtt_max(client, e.t_ns)) set_ping_rtt_max(r, *rtt);
    w_.record(r);
    // The masks of its pings, and of its answer to the server's close frame.
    w_.skip_draws(client, w_.traffic().pings_sent(client, e.t_ns) + (!lost && e.cause == 0 ? 1u : 0u));
    w_.unregister(client);  // a heartbeat timeout the client decided: its gateways count it until now
    ++c_.token[client];
    schedule_retry(client, e.t_ns, -1);
  }

  void fail(std::uint32_t client, std::int64_t t, clients::Step step) {
    const clients::AttemptFailure& failure = step.failure;
    const std::int64_t retry_after_ns = failure.retry_after ? failure.retry_after->count() : -1;
    LogRecord r;
    r.t_ns = t;
    r.client = client;
    r.kind = LogKind::rejected;
    r.sub = c_.hops[client];
    r.node = c_.node[client];
    r.a = c_.url[client];
    r.n = static_cast<std::uint32_t>(failure.status);
    r.text = w_.texts().intern(std::string(clients::to_string(failure.error)));
    r.text2 = w_.texts().intern(failure.reason);
    r.d = retry_after_ns;
    w_.record(r);
    end_chain(client);
    schedule_retry(client, t, retry_after_ns);
  }

  void schedule_retry(std::uint32_t client, std::int64_t t, std::int64_t retry_after_ns) {
    std::optional<clients::Nanos> floor;
    if (retry_after_ns >= 0) floor = clients::Nanos(retry_after_ns);
    std::uint64_t draw = w_.draw(client);
    clients::Nanos delay = clients::reconnect_delay(region_.reconnect, c_.failures[client], draw, floor);
    if (c_.failures[client] < UINT32_MAX) ++c_.failures[client];
    c_.state[client] = ClientState::idle;
    SimEvent e;
    e.type = EventType::start;
    e.client = client;
    e.t_ns = t + delay.count();
    w_.push(region_, e);
  }

  World& w_;
  Region& region_;
  ClientTable& c_;
  int max_redirects_;
  clients::Attempt fresh_;
  std::unordered_map<std::uint32_t, clients::Attempt> chains_;  // clients that followed a redirect, until it ends
};

}  // namespace

// Called by a gateway actor when it takes a region's batch from its mailbox.
void mark_batch_taken(World& world, std::size_t region, std::size_t node) {
  if (region < in_flight.size() && node < in_flight[region].size()) in_flight[region][node] = 0;
  Region& r = world.regions()[region];
  if (!r.outgoing[node].empty() && r.wake) r.wake->notify_all();
}

void region_actor(World& world, std::size_t index) {
  Region& region = world.regions()[index];
  RegionLogic logic(world, region);
  if (in_flight.size() < world.regions().size()) in_flight.resize(world.regions().size());
  in_flight[index].assign(world.gateways().size(), 0);
  std::unique_lock lock(*region.mutex);
  for (;;) {
    logic.flush();  // batches held back while an earlier one waited at the gateway
    std::int64_t now = World::now_ns();
    if (world.finished() || now >= world.end_ns()) break;
    if (region.queue.empty() || region.queue.top().t_ns > now + kClockToleranceNs) {
      std::int64_t wake = region.queue.empty() ? world.end_ns() : std::min(region.queue.top().t_ns, world.end_ns());
      region.planned_wake_ns = wake;
      region.wake->wait_until(lock, static_cast<double>(wake) / 1e9);
      region.planned_wake_ns = std::numeric_limits<std::int64_t>::max();
      continue;
    }
    while (!region.queue.empty() && region.queue.top().t_ns <= now + kClockToleranceNs) {
      SimEvent e = region.queue.top();
      region.queue.pop();
      logic.handle(e);
    }
    logic.flush();
  }
}

}  // namespace wsfo::model
