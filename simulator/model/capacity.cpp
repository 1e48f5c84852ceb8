#include "simulator/model/capacity.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/json/json_reader.hpp"

namespace wsfo::model {

namespace {

std::string ms(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(ns) / 1e6);
  return text;
}

}  // namespace

void add_recovery(Capacity& capacity, const checks::Analysis& analysis,
                  const std::vector<checks::EventWindow>& windows) {
  for (std::size_t i = 0; i < windows.size() && i < analysis.windows.size(); ++i) {
    const auto& facts = analysis.windows[i];
    EventRecovery recovery;
    recovery.event = windows[i].index;
    recovery.name = windows[i].name;
    recovery.disconnected = facts.reconnects.size();
    std::vector<std::int64_t> back;
    for (const auto& r : facts.reconnects)
      if (r.connected_ns) back.push_back(*r.connected_ns - windows[i].start_ns);
    recovery.reconnected = back.size();
    std::sort(back.begin(), back.end());
    if (!back.empty() && recovery.disconnected > 0) {
      // The smallest time by which 99% of the disconnected clients were back.
      std::size_t needed = (recovery.disconnected * 99 + 99) / 100;
      if (needed <= back.size()) recovery.p99_ns = back[needed - 1];
      if (back.size() == recovery.disconnected) recovery.all_ns = back.back();
    }
    capacity.events.push_back(std::move(recovery));
  }
}

void write_capacity_text(const Capacity& c, std::ostream& out) {
  out << "capacity (" << c.clients << " clients, " << c.connection_bytes << " bytes per connection)\n";
  for (const auto& n : c.nodes) {
    char line[256];
    std::snprintf(
        line, sizeof line,
        "  %-16s %-8s peak %7llu handshakes/s, peak CPU %5.1f%%, peak %8llu connections (%.1f MiB)%s\n", n.node.c_str(),
        n.unit.c_str(), static_cast<unsigned long long>(n.peak_arrived_per_s), n.peak_cpu * 100,
        static_cast<unsigned long long>(n.peak_connections),
        static_cast<double>(n.peak_connections) * static_cast<double>(c.connection_bytes) / 1048576.0,
        ((n.dropped_stale ? ", " + std::to_string(n.dropped_stale) + " stale handshakes dropped" : std::string()) +
         (n.closed_over_cap ? ", " + std::to_string(n.closed_over_cap) + " closed over the handshake cap" : std::string()))
            .c_str());
    out << line;
    std::snprintf(line, sizeof line, "  %-16s %-8s peak %9llu messages relayed/s, queue delay max %s\n", "", "",
                  static_cast<unsigned long long>(n.peak_messages_per_s), ms(n.peak_queue_delay_ns).c_str());
    out << line;
  }
  for (const auto& b : c.backends) {
    char line[256];
    std::snprintf(line, sizeof line, "  backend %-8s %-8s peak CPU %5.1f%%, peak %9llu messages sent/s\n",
                  b.backend.c_str(), b.unit.c_str(), b.peak_cpu * 100,
                  static_cast<unsigned long long>(b.peak_messages_per_s));
    out << line;
  }
  const LinkCapacity* busiest = nullptr;
  for (const auto& l : c.links)
    if (!busiest || l.peak_utilisation > busiest->peak_utilisation) busiest = &l;
  if (busiest) {
    char line[256];
    std::snprintf(line, sizeof line, "  busiest link %s: peak utilisation %.1f%%\n", busiest->name.c_str(),
                  busiest->peak_utilisation * 100);
    out << line;
  }
  for (const auto& e : c.events) {
    if (e.disconnected == 0) continue;
    out << "  #" << e.event << " " << e.name << ": " << e.disconnected << " disconnected, " << e.reconnected
        << " back; 99% back after " << (e.p99_ns ? ms(*e.p99_ns) : std::string("(never)")) << ", 100% after "
        << (e.all_ns ? ms(*e.all_ns) : std::string("(never)")) << "\n";
  }
}

void write_capacity_json(const Capacity& c, std::ostream& out) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : c.nodes)
    nodes.push_back({{"node", n.node},
                     {"unit", n.unit},
                     {"handshakes_arrived_per_s", n.arrived_per_s},
                     {"handshakes_handled_per_s", n.handled_per_s},
                     {"cpu_per_s", n.cpu_per_s},
                     {"peak_handshakes_per_s", n.peak_arrived_per_s},
                     {"peak_cpu", n.peak_cpu},
                     {"peak_connections", n.peak_connections},
                     {"peak_connection_bytes", n.peak_connections * static_cast<std::uint64_t>(c.connection_bytes)},
                     {"stale_handshakes_dropped", n.dropped_stale},
                     {"handshakes_closed_over_cap", n.closed_over_cap},
                     {"messages_relayed_per_s", n.messages_relayed_per_s},
                     {"queue_delay_max_ns_per_s", n.queue_delay_max_ns_per_s},
                     {"queue_delay_mean_ns_per_s", n.queue_delay_mean_ns_per_s},
                     {"peak_messages_relayed_per_s", n.peak_messages_per_s},
                     {"peak_queue_delay_ns", n.peak_queue_delay_ns}});
  nlohmann::json backends = nlohmann::json::array();
  for (const auto& b : c.backends)
    backends.push_back({{"backend", b.backend},
                        {"unit", b.unit},
                        {"cpu_per_s", b.cpu_per_s},
                        {"messages_sent_per_s", b.messages_sent_per_s},
                        {"peak_cpu", b.peak_cpu},
                        {"peak_messages_sent_per_s", b.peak_messages_per_s}});
  nlohmann::json links = nlohmann::json::array();
  for (const auto& l : c.links) links.push_back({{"name", l.name}, {"peak_utilisation", l.peak_utilisation}});
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : c.events) {
    nlohmann::json item = {{"event", e.event},
                           {"action", e.name},
                           {"disconnected", e.disconnected},
                           {"reconnected", e.reconnected},
                           {"p99_reconnected_ns", nullptr},
                           {"all_reconnected_ns", nullptr}};
    if (e.p99_ns) item["p99_reconnected_ns"] = *e.p99_ns;
    if (e.all_ns) item["all_reconnected_ns"] = *e.all_ns;
    events.push_back(item);
  }
  out << nlohmann::json{{"clients", c.clients},
                        {"connection_bytes", c.connection_bytes},
                        {"bucket_ns", 1000000000},
                        {"nodes", nodes},
                        {"backends", backends},
                        {"links", links},
                        {"events", events}}
             .dump(2)
      << "\n";
}

std::vector<std::string> capacity_notes(const Capacity& c) {
  std::vector<std::string> notes;
  for (const auto& n : c.nodes) {
    char line[200];
    std::snprintf(line, sizeof line, "capacity %s: peak %llu handshakes/s, peak CPU %.1f%%, peak %llu connections",
                  n.node.c_str(), static_cast<unsigned long long>(n.peak_arrived_per_s), n.peak_cpu * 100,
                  static_cast<unsigned long long>(n.peak_connections));
    notes.push_back(line);
  }
  for (const auto& e : c.events)
    if (e.disconnected)
      notes.push_back("capacity #" + std::to_string(e.event) + " " + e.name + ": 99% back after " +
                      (e.p99_ns ? ms(*e.p99_ns) : "(never)") + ", 100% after " +
                      (e.all_ns ? ms(*e.all_ns) : "(never)"));
  return notes;
}

}  // namespace wsfo::model
