#include "core/traffic/traffic_ledger.hpp"

#include <algorithm>

#include "core/traffic/live_texts.hpp"

namespace wsfo::traffic {

namespace {

void zero(StepTraffic& t, std::size_t backends, std::size_t gateways) {
  t.gateway_messages.assign(gateways, 0);
  t.gateway_bytes.assign(gateways, 0);
  t.gateway_cpu_ns.assign(gateways, 0);
  t.backend_messages.assign(backends, 0);
  t.backend_broadcasts.assign(backends, 0);
  t.backend_cpu_ns.assign(backends, 0);
  t.pair_bytes.assign(backends * gateways, 0);
  t.broadcasts_per_client.assign(backends, 0);
}

}  // namespace

TrafficLedger::TrafficLedger(std::vector<BackendTraffic> backends, std::size_t gateways,
                             const scenario::Simulation& costs)
    : specs_(std::move(backends)), gateways_(gateways), costs_(costs) {
  pair_.resize(specs_.size() * gateways_);
  backend_.resize(specs_.size());
  gateway_cpu_.resize(gateways_);
  backend_cpu_.resize(specs_.size());
  reads_.resize(specs_.size() * gateways_);
  zero(accepted_, specs_.size(), gateways_);
}

void TrafficLedger::add_heartbeat(Counts& counts, std::int64_t interval_ns, bool add) {
  if (interval_ns <= 0) return;
  for (auto& h : counts.heartbeats)
    if (h.interval_ns == interval_ns) {
      if (add)
        ++h.clients;
      else if (h.clients)
        --h.clients;
      return;
    }
  if (add) counts.heartbeats.push_back({interval_ns, 1, 0});
}

// In integers, so a long run loses no ping to rounding.
std::uint64_t TrafficLedger::due_pings(Counts& counts, std::int64_t step_ns) {
  std::uint64_t pings = 0;
  for (auto& h : counts.heartbeats) {
    h.carry_ns += static_cast<std::int64_t>(h.clients) * step_ns;
    pings += static_cast<std::uint64_t>(h.carry_ns / h.interval_ns);
    h.carry_ns %= h.interval_ns;
  }
  return pings;
}

void TrafficLedger::clear_gateway(std::size_t g, std::int64_t now_ns) {
  gateway_cpu_[g].clear(now_ns);
  gateway_cpu_[g].set_rate(now_ns, 0);
  for (std::size_t b = 0; b < specs_.size(); ++b) reads_[at(b, g)].clear();
}

void TrafficLedger::clear_backend(std::size_t b, std::int64_t now_ns) {
  backend_cpu_[b].clear(now_ns);
  backend_cpu_[b].set_rate(now_ns, 0);
}

void TrafficLedger::connect(std::int64_t now_ns, std::size_t b, int first, int second, std::int64_t ping_interval_ns,
                            std::size_t path_size) {
  for (int g : {first, second}) {
    if (g < 0) continue;
    Counts& c = pair_[at(b, static_cast<std::size_t>(g))];
    ++c.clients;
    add_heartbeat(c, ping_interval_ns, true);
  }
  Counts& total = backend_[b];
  ++total.clients;
  add_heartbeat(total, ping_interval_ns, true);

  const BackendTraffic& spec = specs_[b];
  const std::size_t welcome = welcome_size(spec.label);
  const std::size_t announce = announcement_size(spec.label, "") + path_size;
  const std::size_t echo = echo_size(spec.label);
  const std::uint64_t per_client_wire = welcome + echo + kFirstMessageSize + frame_header_size(welcome, false) +
                                        frame_header_size(echo, false) + frame_header_size(kFirstMessageSize, true);
  const std::uint64_t announce_wire = announce + frame_header_size(announce, false);
  // Each gateway relays the announcement to the clients of this backend it
  // relays (with `self` only the new one's gateways, to it).
  for (std::size_t g = 0; g < gateways_; ++g) {
    const bool relays_new = static_cast<int>(g) == first || static_cast<int>(g) == second;
    const std::uint64_t announced = spec.announce_to_all ? pair_[at(b, g)].clients : (relays_new ? 1 : 0);
    const std::uint64_t own = relays_new ? 3 : 0;  // welcome and echo down, the first message up
    if (!announced && !own) continue;
    const std::uint64_t messages = own + announced;
    const std::uint64_t payload = (relays_new ? welcome + echo + kFirstMessageSize : 0) + announced * announce;
    const std::uint64_t wire = (relays_new ? per_client_wire : 0) + announced * announce_wire;
    accepted_.gateway_messages[g] += messages;
    accepted_.gateway_bytes[g] += wire;
    accepted_.pair_bytes[at(b, g)] += wire;
    CpuQueue& cpu = gateway_cpu_[g];
    ReadCoalescer& reads = reads_[at(b, g)];
    const std::uint64_t fan_out_reads =
        spec.announce_to_all ? reads.new_reads(announced, cpu.served_at(now_ns)) : announced;
    const std::int64_t work = static_cast<std::int64_t>(own + fan_out_reads) * costs_.message_cpu.count() +
                              static_cast<std::int64_t>(static_cast<double>(payload) / 1024.0 *
                                                        static_cast<double>(costs_.message_cpu_per_kib.count()));
    const double from = cpu.tail_at(now_ns);
    cpu.add(now_ns, work);
    if (spec.announce_to_all) reads.queued(fan_out_reads, from, cpu.tail_at(now_ns));
  }
  // The backend sends each message once, whoever relays it.
  const auto& be = costs_.backend_cpu;
  const std::uint64_t sent = 2 /* welcome, echo */ + (spec.announce_to_all ? total.clients : 1);
  accepted_.backend_messages[b] += sent;
  accepted_.backend_broadcasts[b] += spec.announce_to_all ? 1 : 0;
  // The announcement is written in the upgrade's own wake-up, so it costs
  // its messages and no broadcast (a broadcast's figure is mostly its timer's
  // wake-up): `wsfo calibrate` measures the handshake as an upgrade less its
  // welcome and announcement.
  backend_cpu_[b].add(now_ns, be.handshake.count() + static_cast<std::int64_t>(sent) * be.message.count());
}

void TrafficLedger::closed(std::int64_t now_ns, std::size_t b, int first, int second, bool backend_alive) {
  if (costs_.close_cpu.count() > 0)
    for (int g : {first, second})
      if (g >= 0) gateway_cpu_[static_cast<std::size_t>(g)].add(now_ns, costs_.close_cpu.count());
  if (backend_alive && costs_.backend_cpu.close.count() > 0) backend_cpu_[b].add(now_ns, costs_.backend_cpu.close.count());
}

void TrafficLedger::disconnect(std::size_t b, int first, int second, std::int64_t ping_interval_ns) {
  auto remove = [&](Counts& c) {
    if (c.clients) --c.clients;
    add_heartbeat(c, ping_interval_ns, false);
  };
  for (int g : {first, second})
    if (g >= 0) remove(pair_[at(b, static_cast<std::size_t>(g))]);
  remove(backend_[b]);
}

StepTraffic TrafficLedger::step(std::int64_t from_ns, std::int64_t to_ns) {
  const std::size_t B = specs_.size();
  StepTraffic out = std::move(accepted_);
  zero(accepted_, B, gateways_);
  std::vector<std::uint64_t> payload(gateways_, 0);
  const std::int64_t step_ns = to_ns - from_ns;
  const auto& be = costs_.backend_cpu;

  for (std::size_t b = 0; b < B; ++b) {
    const BackendTraffic& spec = specs_[b];
    Counts& total = backend_[b];
    std::uint64_t ticks = 0;
    std::size_t broadcast_bytes = 0;
    if (spec.broadcast_interval_ns > 0) {
      ticks = static_cast<std::uint64_t>(to_ns / spec.broadcast_interval_ns - from_ns / spec.broadcast_interval_ns);
      broadcast_bytes =
          broadcast_size(static_cast<std::uint64_t>(to_ns / spec.broadcast_interval_ns), spec.label, spec.message_size);
    }
    out.broadcasts_per_client[b] = ticks;
    // Per relaying gateway: broadcasts and pongs down, pings up.
    for (std::size_t g = 0; g < gateways_; ++g) {
      Counts& c = pair_[at(b, g)];
      const std::uint64_t pings = due_pings(c, step_ns);
      const std::uint64_t n = c.clients;
      const std::uint64_t messages = ticks * n + 2 * pings;
      const std::uint64_t down_payload = ticks * n * broadcast_bytes;
      const std::uint64_t wire = down_payload + ticks * n * frame_header_size(broadcast_bytes, false) +
                                 pings * (frame_header_size(0, true) + frame_header_size(0, false));
      out.gateway_messages[g] += messages;
      out.gateway_bytes[g] += wire;
      payload[g] += down_payload;
      out.pair_bytes[at(b, g)] += wire;
      out.gateway_cpu_ns[g] += static_cast<std::int64_t>(messages) * costs_.message_cpu.count();
    }
    const std::uint64_t pongs = due_pings(total, step_ns);
    const std::uint64_t sent = ticks * total.clients + pongs;
    out.backend_messages[b] += sent;
    out.backend_broadcasts[b] += ticks;
    out.backend_cpu_ns[b] =
        static_cast<std::int64_t>(ticks) * be.broadcast.count() + static_cast<std::int64_t>(sent) * be.message.count();
  }
  for (std::size_t g = 0; g < gateways_; ++g)
    out.gateway_cpu_ns[g] += static_cast<std::int64_t>(static_cast<double>(payload[g]) / 1024.0 *
                                                       static_cast<double>(costs_.message_cpu_per_kib.count()));
  return out;
}

}  // namespace wsfo::traffic
