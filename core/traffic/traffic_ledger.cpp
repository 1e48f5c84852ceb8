#include "core/traffic/traffic_ledger.hpp"

#include "core/traffic/live_texts.hpp"

namespace wsfo::traffic {

namespace {

// Announcements with `announce: all` in one step: `a` new connections join
// `before` others; the i-th new one's announcement reaches before + i
// clients (exact for one relay; the fluid share otherwise).
std::uint64_t announced_to(std::uint64_t all_new, std::uint64_t before, std::uint64_t mine) {
  return all_new * before + (all_new * mine + mine) / 2;
}

}  // namespace

TrafficLedger::TrafficLedger(std::vector<BackendTraffic> backends, std::size_t gateways,
                             const scenario::Simulation& costs)
    : specs_(std::move(backends)), gateways_(gateways), costs_(costs) {
  pair_.resize(specs_.size() * gateways_);
  backend_.resize(specs_.size());
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

void TrafficLedger::connect(std::size_t b, int first, int second, std::int64_t ping_interval_ns,
                            std::size_t path_size) {
  for (int g : {first, second}) {
    if (g < 0) continue;
    Counts& c = pair_[at(b, static_cast<std::size_t>(g))];
    ++c.clients;
    ++c.accepted;
    c.path_bytes += path_size;
    add_heartbeat(c, ping_interval_ns, true);
  }
  Counts& c = backend_[b];
  ++c.clients;
  ++c.accepted;
  c.path_bytes += path_size;
  add_heartbeat(c, ping_interval_ns, true);
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
  StepTraffic out;
  out.gateway_messages.assign(gateways_, 0);
  out.gateway_bytes.assign(gateways_, 0);
  out.gateway_cpu_ns.assign(gateways_, 0);
  out.backend_messages.assign(B, 0);
  out.backend_broadcasts.assign(B, 0);
  out.backend_cpu_ns.assign(B, 0);
  out.pair_bytes.assign(B * gateways_, 0);
  out.broadcasts_per_client.assign(B, 0);
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
    const std::uint64_t A = total.accepted;
    const std::size_t welcome = welcome_size(spec.label);
    const std::size_t announce = A ? announcement_size(spec.label, "") + total.path_bytes / A : 0;
    const std::size_t echo = echo_size(spec.label);
    // Per relaying gateway: down (backend -> client) and up (client -> backend).
    for (std::size_t g = 0; g < gateways_; ++g) {
      Counts& c = pair_[at(b, g)];
      const std::uint64_t pings = due_pings(c, step_ns);
      const std::uint64_t n = c.clients;
      const std::uint64_t a = c.accepted;
      const std::uint64_t announced =
          spec.announce_to_all ? announced_to(A, n >= a ? n - a : 0, a) : a;
      const std::uint64_t down = ticks * n + a * 2 /* welcome, echo */ + announced + pings /* pongs */;
      const std::uint64_t up = a /* first message */ + pings;
      const std::uint64_t down_payload = ticks * n * broadcast_bytes + a * (welcome + echo) + announced * announce;
      const std::uint64_t up_payload = a * kFirstMessageSize;
      const std::uint64_t wire = down_payload + up_payload + ticks * n * frame_header_size(broadcast_bytes, false) +
                                 a * (frame_header_size(welcome, false) + frame_header_size(echo, false) +
                                      frame_header_size(kFirstMessageSize, true)) +
                                 announced * frame_header_size(announce, false) +
                                 pings * (frame_header_size(0, true) + frame_header_size(0, false));
      out.gateway_messages[g] += down + up;
      out.gateway_bytes[g] += wire;
      payload[g] += down_payload + up_payload;
      out.pair_bytes[at(b, g)] += wire;
      c.accepted = 0;
      c.path_bytes = 0;
    }
    // The backend sends each message once, whoever relays it.
    const std::uint64_t pongs = due_pings(total, step_ns);
    const std::uint64_t n = total.clients;
    const std::uint64_t announced = spec.announce_to_all ? announced_to(A, n >= A ? n - A : 0, A) : A;
    out.backend_messages[b] = ticks * n + A * 2 + announced + pongs;
    out.backend_broadcasts[b] = ticks + (spec.announce_to_all ? A : 0);
    out.backend_cpu_ns[b] = static_cast<std::int64_t>(A) * be.handshake.count() +
                            static_cast<std::int64_t>(out.backend_broadcasts[b]) * be.broadcast.count() +
                            static_cast<std::int64_t>(out.backend_messages[b]) * be.message.count();
    total.accepted = 0;
    total.path_bytes = 0;
  }
  for (std::size_t g = 0; g < gateways_; ++g)
    out.gateway_cpu_ns[g] =
        static_cast<std::int64_t>(out.gateway_messages[g]) * costs_.message_cpu.count() +
        static_cast<std::int64_t>(static_cast<double>(payload[g]) / 1024.0 *
                                  static_cast<double>(costs_.message_cpu_per_kib.count()));
  return out;
}

}  // namespace wsfo::traffic
