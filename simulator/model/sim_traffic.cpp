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
      ledger_(backend_specs(world), world.gateways().size(), scenario::simulation_or_default(world.scenario().simulation)) {
  const std::size_t G = w_.gateways().size(), B = w_.backends().size();
  gateway_backlog_.resize(G);
  backend_backlog_.resize(B);
  gateway_delay_.resize(G);
  backend_delay_.resize(B);
  pongs_late_.assign(G, false);
  backends_.resize(B);
  for (const auto& group : w_.scenario().clients) {
    group_ping_interval_.push_back(group.heartbeat ? group.heartbeat->interval.count() : 0);
    std::string error;
    auto url = clients::parse_ws_url(group.url.text, error);
    group_path_size_.push_back(url ? url->target.size() : 1);
  }
}

void TrafficModel::connect(std::uint32_t c) {
  const auto& t = w_.clients();
  const int entry = t.via[c] ? t.via[c] - 1 : -1;
  ledger_.connect(t.backend[c], t.node[c], entry, group_ping_interval_[t.group[c]], group_path_size_[t.group[c]]);
}

void TrafficModel::disconnect(std::uint32_t c) {
  const auto& t = w_.clients();
  const int entry = t.via[c] ? t.via[c] - 1 : -1;
  ledger_.disconnect(t.backend[c], t.node[c], entry, group_ping_interval_[t.group[c]]);
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

// The gateway's queue has grown past a heartbeat group's patience: one pass
// over its heartbeat clients; each gives up on its next ping at the tick
// that finds the pong overdue (core's rule), unless the pong would make it.
void TrafficModel::time_out_late_pongs(std::size_t g) {
  const std::int64_t now = World::now_ns();
  auto& t = w_.clients();
  for (std::uint32_t c = 0; c < t.size(); ++c) {
    if (!t.registered[c] || (t.node[c] != g && w_.entry_node(c) != g)) continue;
    const auto& heartbeat = w_.scenario().clients[t.group[c]].heartbeat;
    if (!heartbeat || heartbeat->interval.count() <= 0 || heartbeat->timeout.count() <= 0) continue;
    const traffic::HeartbeatRule rule{heartbeat->interval.count(), heartbeat->timeout.count()};
    const std::int64_t ping = traffic::next_tick_after(t.since_ns[c], rule.interval_ns, now);
    if (auto end = traffic::late_pong_end(ping, rule, ping_rtt(c, now)))
      w_.push_lost_at(c, *end, "no pong within " + ms_of(heartbeat->timeout) + " ms of a ping",
                      static_cast<std::uint8_t>(CloseCause::pong_timeout));
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
  std::vector<sg4::ExecPtr> gateway_exec(G), backend_exec(B);
  std::vector<std::int64_t> gateway_work(G, 0), backend_work(B, 0);
  // The shortest patience of any heartbeat group: ceil(timeout / interval) ticks.
  std::int64_t patience = std::numeric_limits<std::int64_t>::max();
  for (const auto& group : w_.scenario().clients)
    if (group.heartbeat && group.heartbeat->interval.count() > 0 && group.heartbeat->timeout.count() > 0) {
      const std::int64_t i = group.heartbeat->interval.count();
      patience = std::min(patience, std::max<std::int64_t>(1, (group.heartbeat->timeout.count() + i - 1) / i) * i);
    }
  auto start = [](sg4::Host* host, std::int64_t work) {
    sg4::ExecPtr exec = sg4::this_actor::exec_init(static_cast<double>(work));
    exec->set_host(host);
    exec->start();
    return exec;
  };
  // How much of `work` the host got through; the rest is cancelled and stays queued.
  auto served = [](sg4::ExecPtr& exec, std::int64_t work) -> std::int64_t {
    if (!exec) return 0;
    std::int64_t done = work;
    if (exec->get_state() != sg4::Activity::State::FINISHED) {
      done = work - static_cast<std::int64_t>(exec->get_remaining());
      exec->cancel();
    }
    exec = nullptr;
    return std::clamp<std::int64_t>(done, 0, work);
  };
  for (std::int64_t t = 0; !w_.finished() && t < w_.end_ns(); t += step_ns_) {
    const std::int64_t next = t + step_ns_;
    traffic::StepTraffic step = ledger_.step(t, next);
    for (std::size_t g = 0; g < G; ++g) {
      GatewaySim& gw = w_.gateways()[g];
      add_to_second<std::uint64_t>(gw.capacity.messages, t, step.gateway_messages[g]);
      if (!gw.host->is_on()) {  // its queue died with it
        gateway_backlog_[g] = {};
        continue;
      }
      gateway_backlog_[g].arrive(step.gateway_cpu_ns[g]);
      gateway_work[g] = gateway_backlog_[g].pending_ns();
      if (gateway_work[g] > 0) gateway_exec[g] = start(gw.host, gateway_work[g]);
    }
    for (std::size_t b = 0; b < B; ++b) {
      BackendSim& be = w_.backends()[b];
      add_to_second<std::uint64_t>(backends_[b].messages, t, step.backend_messages[b]);
      if (!be.host->is_on()) {
        backend_backlog_[b] = {};
        continue;
      }
      backend_backlog_[b].arrive(step.backend_cpu_ns[b]);
      backend_work[b] = backend_backlog_[b].pending_ns();
      if (backend_work[b] > 0) backend_exec[b] = start(be.host, backend_work[b]);
    }
    charge_links(t, step);
    sg4::this_actor::sleep_until(static_cast<double>(std::min(next, w_.end_ns())) / 1e9);
    for (std::size_t g = 0; g < G; ++g) {
      GatewaySim& gw = w_.gateways()[g];
      const std::int64_t done = gw.host->is_on() ? served(gateway_exec[g], gateway_work[g]) : 0;
      gateway_exec[g] = nullptr;
      gateway_backlog_[g].served(done, step_ns_);
      add_to_second<std::int64_t>(gw.capacity.busy_ns, t, done);
      const std::int64_t delay = gateway_backlog_[g].delay_ns();
      gateway_delay_[g].push_back(delay);
      max_in_second<std::int64_t>(gw.capacity.delay_max_ns, t, delay);
      add_to_second<std::int64_t>(gw.capacity.delay_sum_ns, t, delay);
      add_to_second<std::int64_t>(gw.capacity.delay_steps, t, 1);
      const bool late = 2 * delay >= patience;
      if (late && !pongs_late_[g]) time_out_late_pongs(g);
      pongs_late_[g] = late;
    }
    for (std::size_t b = 0; b < B; ++b) {
      const std::int64_t done = w_.backends()[b].host->is_on() ? served(backend_exec[b], backend_work[b]) : 0;
      backend_exec[b] = nullptr;
      backend_backlog_[b].served(done, step_ns_);
      add_to_second<std::int64_t>(backends_[b].busy_ns, t, done);
      backend_delay_[b].push_back(backend_backlog_[b].delay_ns());
    }
  }
}

}  // namespace wsfo::model
