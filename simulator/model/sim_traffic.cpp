// The traffic actor and the model's side of core/traffic (sim_traffic.hpp).
#include "simulator/model/sim_traffic.hpp"

#include <algorithm>

#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

constexpr std::int64_t kTrafficBucketNs = 1'000'000'000;

template <class T>
void add_to_second(std::vector<T>& buckets, std::int64_t t_ns, T amount) {
  auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ns / kTrafficBucketNs));
  if (buckets.size() <= index) buckets.resize(index + 1, T{});
  buckets[index] += amount;
}

template <class T>
void max_in_second(std::vector<T>& buckets, std::int64_t t_ns, T value) {
  auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ns / kTrafficBucketNs));
  if (buckets.size() <= index) buckets.resize(index + 1, T{});
  buckets[index] = std::max(buckets[index], value);
}

std::vector<traffic::BackendTraffic> backend_specs(World& w) {
  std::vector<traffic::BackendTraffic> specs;
  for (const auto& b : w.backends()) {
    traffic::BackendTraffic spec;
    spec.label = w.scenario().units[b.unit].label;
    for (const auto& unit : w.scenario().units)
      for (const auto& backend : unit.backends)
        if (backend.name == b.name) {
          spec.broadcast_interval_ns = backend.broadcast_interval.count();
          spec.message_size = backend.message_size;
          spec.announce_to_all = backend.announce_to_all;
        }
    for (const auto& event : w.scenario().timeline)
      if (const auto* add = std::get_if<scenario::BackendAdd>(&event.action); add && add->backend.name == b.name) {
        spec.broadcast_interval_ns = add->backend.broadcast_interval.count();
        spec.message_size = add->backend.message_size;
        spec.announce_to_all = add->backend.announce_to_all;
      }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string ms_of(std::chrono::nanoseconds d) { return std::to_string(d.count() / 1'000'000); }

}  // namespace

TrafficModel::TrafficModel(World& world)
    : w_(world),
      step_ns_(world.options().traffic_step.count()),
      ledger_(backend_specs(world), world.gateways().size(),
              scenario::simulation_or_default(world.scenario().simulation)) {
  const std::size_t G = w_.gateways().size(), B = w_.backends().size();
  gateway_epoch_.assign(G, 0);
  backend_was_on_.assign(B, true);
  gateway_served_.assign(G, 0);
  backend_served_.assign(B, 0);
  gateway_wait_max_.assign(G, 0);
  gateway_delay_.resize(G);
  backend_delay_.resize(B);
  backends_.resize(B);
  shortest_patience_ = std::numeric_limits<std::int64_t>::max();
  for (const auto& group : w_.scenario().clients) {
    group_ping_interval_.push_back(group.heartbeat ? group.heartbeat->interval.count() : 0);
    std::string error;
    auto url = clients::parse_ws_url(group.url.text, error);
    group_path_size_.push_back(url ? url->target.size() : 1);
    if (group.heartbeat && group.heartbeat->interval.count() > 0 && group.heartbeat->timeout.count() > 0) {
      const std::int64_t i = group.heartbeat->interval.count();
      shortest_patience_ =
          std::min(shortest_patience_, std::max<std::int64_t>(1, (group.heartbeat->timeout.count() + i - 1) / i) * i);
    }
  }
  region_connected_.assign(w_.regions().size(), 0);
  const auto simulation = scenario::simulation_or_default(w_.scenario().simulation);
  if (simulation.testbed) {
    machine_ = std::make_unique<traffic::SharedCores>(simulation.testbed->cores);
    client_cpu_.resize(w_.regions().size());  // sized once: the machine holds their addresses
    client_reads_.resize(w_.regions().size() * B);
    for (std::size_t g = 0; g < G; ++g) machine_->attach(ledger_.gateway_cpu(g));
    for (std::size_t b = 0; b < B; ++b) machine_->attach(ledger_.backend_cpu(b));
    for (auto& queue : client_cpu_) machine_->attach(queue);
    client_handshake_ns_ = simulation.testbed->client_handshake.count();
    client_message_ns_ = simulation.testbed->client_message.count();
    client_close_ns_ = simulation.testbed->client_close.count();
  }
}

std::int64_t TrafficModel::client_handles(std::size_t region, std::uint32_t client, std::int64_t t_ns) {
  if (!machine_) return t_ns;
  const std::int64_t done = client_cpu_[region].add(t_ns, client_handshake_ns_);
  // What its accept sent to the clients comes after its 101: its welcome and
  // echo, and the announcement, to every client of the backend with `all`
  // (each region its share): a client whose earlier announcement the fleet
  // has not read yet reads both at once, as the gateway relays them.
  if (auto it = pending_.find(client); it != pending_.end()) {
    const Delivery delivery = it->second;
    pending_.erase(it);
    client_cpu_[region].add(t_ns, 2 * client_message_ns_);
    const std::uint64_t connected = connected_total_;
    for (std::size_t r = 0; r < client_cpu_.size(); ++r) {
      const std::uint64_t announced =
          !delivery.to_all ? (r == region ? 1 : 0)
                           : (connected ? delivery.announced * region_connected_[r] / connected : 0);
      if (!announced) continue;
      traffic::CpuQueue& queue = client_cpu_[r];
      traffic::ReadCoalescer& reads = client_reads_[r * w_.backends().size() + delivery.backend];
      const std::uint64_t fresh = delivery.to_all ? reads.new_reads(announced, queue.served_at(t_ns)) : announced;
      const double from = queue.tail_at(t_ns);
      queue.add(t_ns, static_cast<std::int64_t>(fresh) * client_message_ns_);
      if (delivery.to_all) reads.queued(fresh, from, queue.tail_at(t_ns));
    }
  }
  return done;
}

std::int64_t TrafficModel::client_closes(std::size_t region, std::int64_t t_ns) {
  if (!machine_ || client_close_ns_ <= 0) return t_ns;
  return client_cpu_[region].add(t_ns, client_close_ns_);
}

// The step's broadcasts and pongs reach the clients as a fluid rate, each
// region's share by its connections.
void TrafficModel::set_client_rates(std::int64_t t_ns, std::uint64_t messages) {
  const std::uint64_t connected = connected_total_;
  for (std::size_t r = 0; r < client_cpu_.size(); ++r) {
    const double share = connected ? static_cast<double>(region_connected_[r]) / static_cast<double>(connected) : 0.0;
    client_cpu_[r].set_rate(t_ns, static_cast<double>(messages) * share * static_cast<double>(client_message_ns_) /
                                      static_cast<double>(step_ns_));
  }
}

std::int64_t TrafficModel::backend_wait(std::size_t b) { return backend_cpu(b).delay_at(World::now_ns()); }

traffic::CpuQueue& TrafficModel::gateway_cpu(std::size_t g) {
  const GatewaySim& gw = w_.gateways()[g];
  if (gw.epoch != gateway_epoch_[g] || !gw.host->is_on()) {  // its queue died with the process
    ledger_.clear_gateway(g, World::now_ns());
    gateway_epoch_[g] = gw.epoch;
  }
  return ledger_.gateway_cpu(g);
}

traffic::CpuQueue& TrafficModel::backend_cpu(std::size_t b) {
  const bool on = w_.backends()[b].host->is_on();
  if (!on || !backend_was_on_[b]) ledger_.clear_backend(b, World::now_ns());
  backend_was_on_[b] = on;
  return ledger_.backend_cpu(b);
}

std::int64_t TrafficModel::gateway_wait(std::size_t g) { return gateway_cpu(g).delay_at(World::now_ns()); }

std::int64_t TrafficModel::queue_handshakes(std::size_t g, std::int64_t work_ns) {
  const std::int64_t now = World::now_ns();
  traffic::CpuQueue& cpu = gateway_cpu(g);
  gateway_wait_max_[g] = std::max(gateway_wait_max_[g], cpu.delay_at(now));
  return cpu.add(now, work_ns);
}

// What the accept causes is queued at its instant: the gateways relay the
// announcement fan-out before any handshake that comes after it.
void TrafficModel::connect(std::uint32_t c) {
  const auto& t = w_.clients();
  const int entry = t.via[c] ? t.via[c] - 1 : -1;
  if (doomed_.size() < t.size()) doomed_.resize(t.size(), false);
  doomed_[c] = false;
  for (std::size_t g = 0; g < w_.gateways().size(); ++g) gateway_cpu(g);  // a dead host's queue is empty
  backend_cpu(t.backend[c]);
  ledger_.connect(World::now_ns(), t.backend[c], t.node[c], entry, group_ping_interval_[t.group[c]],
                  group_path_size_[t.group[c]]);
  ++region_connected_[t.group[c]];
  ++connected_total_;
  if (machine_) {  // the fleet reads it once the client has its 101 (client_handles)
    const bool to_all = ledger_.announces_to_all(t.backend[c]);
    const std::uint64_t announced = to_all ? ledger_.backend_clients(t.backend[c]) : 1;
    accepted_client_messages_ += 2 + announced;
    pending_[c] = Delivery{t.backend[c], to_all, announced};
  }
}

void TrafficModel::disconnect(std::uint32_t c) {
  const auto& t = w_.clients();
  pending_.erase(c);
  if (region_connected_[t.group[c]]) {
    --region_connected_[t.group[c]];
    --connected_total_;
  }
  const int entry = t.via[c] ? t.via[c] - 1 : -1;
  ledger_.disconnect(t.backend[c], t.node[c], entry, group_ping_interval_[t.group[c]]);
  // A killed process tears nothing down: only the hosts still on pay the close.
  auto alive = [this](int g) {
    if (g < 0) return -1;
    gateway_cpu(static_cast<std::size_t>(g));  // a dead host's queue is cleared first
    return w_.gateways()[static_cast<std::size_t>(g)].host->is_on() ? g : -1;
  };
  backend_cpu(t.backend[c]);
  ledger_.closed(World::now_ns(), t.backend[c], alive(t.node[c]), alive(entry),
                 w_.backends()[t.backend[c]].host->is_on());
}

std::int64_t TrafficModel::delay_at(std::size_t g, std::int64_t t_ns) const {
  const auto& series = gateway_delay_[g];
  if (series.empty() || step_ns_ <= 0) return 0;
  auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ns / step_ns_));
  return series[std::min(index, series.size() - 1)];
}

std::int64_t TrafficModel::backend_delay_at(std::size_t b, std::int64_t t_ns) const {
  const auto& series = backend_delay_[b];
  if (series.empty() || step_ns_ <= 0) return 0;
  auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ns / step_ns_));
  return series[std::min(index, series.size() - 1)];
}

// A ping goes client -> entry node (-> far node) -> backend and the pong
// back; each relaying gateway queues it both ways, the backend once.
std::int64_t TrafficModel::ping_rtt(std::uint32_t c, std::int64_t t_ns) {
  const auto& t = w_.clients();
  const std::uint16_t entry = w_.entry_node(c);
  const GatewaySim& node = w_.gateways()[t.node[c]];
  std::int64_t rtt = 2 * w_.route(w_.regions()[t.group[c]].host, w_.gateways()[entry].host).latency_ns +
                     2 * w_.route(node.host, w_.backends()[t.backend[c]].host).latency_ns +
                     2 * delay_at(t.node[c], t_ns) + backend_delay_at(t.backend[c], t_ns);
  if (t.via[c]) rtt += 2 * w_.route(w_.gateways()[entry].host, node.host).latency_ns + 2 * delay_at(entry, t_ns);
  return rtt;
}

std::optional<std::int64_t> TrafficModel::ping_rtt_max(std::uint32_t c, std::int64_t end_ns) {
  const std::int64_t interval = group_ping_interval_[w_.clients().group[c]];
  if (interval <= 0) return std::nullopt;
  return traffic::ping_rtt_max(w_.clients().since_ns[c], end_ns, interval,
                               [&](std::int64_t t) { return ping_rtt(c, t); });
}

std::uint32_t TrafficModel::pings_sent(std::uint32_t c, std::int64_t end_ns) {
  const std::int64_t interval = group_ping_interval_[w_.clients().group[c]];
  return traffic::pings_sent(w_.clients().since_ns[c], end_ns, interval,
                             [&](std::int64_t t) { return ping_rtt(c, t); });
}

// The gateway's queue delay reached half the shortest patience in the step
// (from, to]: the heartbeat clients it relays whose ping fell in the step
// and whose pong comes later than their patience end at the tick that finds
// it overdue (core's rule). Only these: a client that did not ping during
// the spike is not touched.
void TrafficModel::time_out_late_pongs(std::size_t g, std::int64_t from_ns, std::int64_t to_ns) {
  auto& t = w_.clients();
  if (doomed_.size() < t.size()) doomed_.resize(t.size(), false);
  for (std::uint32_t c = 0; c < t.size(); ++c) {
    if (!t.registered[c] || doomed_[c] || (t.node[c] != g && w_.entry_node(c) != g)) continue;
    const auto& heartbeat = w_.scenario().clients[t.group[c]].heartbeat;
    if (!heartbeat || heartbeat->interval.count() <= 0 || heartbeat->timeout.count() <= 0) continue;
    const traffic::HeartbeatRule rule{heartbeat->interval.count(), heartbeat->timeout.count()};
    const auto ping = traffic::ping_within(t.since_ns[c], from_ns, to_ns, rule.interval_ns,
                                           [&](std::int64_t at) { return ping_rtt(c, at); });
    if (!ping) continue;  // no ping of its in this step
    if (auto end = traffic::late_pong_end(*ping, rule, ping_rtt(c, *ping))) {
      doomed_[c] = true;
      w_.push_lost_at(c, *end, "no pong within " + ms_of(heartbeat->timeout) + " ms of a ping",
                      static_cast<std::uint8_t>(CloseCause::pong_timeout));
    }
  }
}

void TrafficModel::charge_links(std::int64_t t_ns, const traffic::StepTraffic& step) {
  auto charge = [&](sg4::Link* link, std::uint64_t bytes) {
    auto [it, added] = link_index_.emplace(link, link_list_.size());
    if (added) {
      link_list_.push_back(link);
      links_.emplace_back();
    }
    add_to_second<std::uint64_t>(links_[it->second].bytes, t_ns, bytes);
  };
  const std::size_t G = w_.gateways().size();
  for (std::size_t b = 0; b < w_.backends().size(); ++b)
    for (std::size_t g = 0; g < G; ++g)
      if (std::uint64_t bytes = step.pair_bytes[b * G + g])
        for (auto* link : w_.route(w_.backends()[b].host, w_.gateways()[g].host).links) charge(link, bytes);
  for (std::size_t g = 0; g < G; ++g)  // the clients' side of the relay, on the gateway's uplink
    if (step.gateway_bytes[g]) charge(w_.uplink(w_.gateways()[g].host), step.gateway_bytes[g]);
}

void TrafficModel::run() {
  const std::size_t G = w_.gateways().size(), B = w_.backends().size();
  const double step = static_cast<double>(step_ns_);
  for (std::int64_t t = 0; !w_.finished() && t < w_.end_ns(); t += step_ns_) {
    const std::int64_t next = t + step_ns_;
    traffic::StepTraffic traffic = ledger_.step(t, next);
    for (std::size_t g = 0; g < G; ++g) {
      add_to_second<std::uint64_t>(w_.gateways()[g].capacity.messages, t, traffic.gateway_messages[g]);
      gateway_cpu(g).set_rate(t, static_cast<double>(traffic.gateway_cpu_ns[g]) / step);
    }
    std::uint64_t to_clients = 0;
    for (std::size_t b = 0; b < B; ++b) {
      add_to_second<std::uint64_t>(backends_[b].messages, t, traffic.backend_messages[b]);
      backend_cpu(b).set_rate(t, static_cast<double>(traffic.backend_cpu_ns[b]) / step);
      to_clients += traffic.backend_messages[b];
    }
    if (machine_) set_client_rates(t, to_clients - std::min(to_clients, accepted_client_messages_));
    accepted_client_messages_ = 0;
    charge_links(t, traffic);
    sg4::this_actor::sleep_until(static_cast<double>(std::min(next, w_.end_ns())) / 1e9);
    const std::int64_t now = World::now_ns();
    for (std::size_t g = 0; g < G; ++g) {
      GatewaySim& gw = w_.gateways()[g];
      traffic::CpuQueue& cpu = gateway_cpu(g);
      const std::int64_t delay = cpu.delay_at(now);
      add_to_second<std::int64_t>(gw.capacity.busy_ns, t, cpu.served_ns() - gateway_served_[g]);
      gateway_served_[g] = cpu.served_ns();
      gateway_delay_[g].push_back(delay);
      const std::int64_t worst = std::max(delay, gateway_wait_max_[g]);
      gateway_wait_max_[g] = 0;
      max_in_second<std::int64_t>(gw.capacity.delay_max_ns, t, worst);
      add_to_second<std::int64_t>(gw.capacity.delay_sum_ns, t, delay);
      add_to_second<std::int64_t>(gw.capacity.delay_steps, t, 1);
      if (2 * worst >= shortest_patience_ / 2) time_out_late_pongs(g, t, now);
    }
    for (std::size_t b = 0; b < B; ++b) {
      traffic::CpuQueue& cpu = backend_cpu(b);
      backend_delay_[b].push_back(cpu.delay_at(now));
      add_to_second<std::int64_t>(backends_[b].busy_ns, t, cpu.served_ns() - backend_served_[b]);
      backend_served_[b] = cpu.served_ns();
    }
  }
}

}  // namespace wsfo::model
