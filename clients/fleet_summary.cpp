#include "clients/fleet_summary.hpp"

#include <cstdio>

namespace wsfo::clients {
namespace {

std::string ms(std::chrono::nanoseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(d.count()) / 1e6);
  return text;
}

std::string breakdown(const std::map<std::string, std::uint64_t>& counts) {
  std::string text;
  for (const auto& [name, n] : counts) text += (text.empty() ? " (" : ", ") + name + " " + std::to_string(n);
  return text.empty() ? text : text + ")";
}

std::string percentiles(const LatencySamples& samples) {
  if (samples.count() == 0) return "no samples";
  return "p50 " + ms(samples.percentile(50)) + ", p99 " + ms(samples.percentile(99)) + ", max " + ms(samples.max()) +
         " (" + std::to_string(samples.count()) + " samples)";
}

}  // namespace

void FleetSummary::merge(const FleetSummary& other) {
  clients += other.clients;
  attempts += other.attempts;
  redirects += other.redirects;
  connected += other.connected;
  messages += other.messages;
  gaps += other.gaps;
  missing_messages += other.missing_messages;
  for (const auto& [k, v] : other.rejected) rejected[k] += v;
  for (const auto& [k, v] : other.disconnected) disconnected[k] += v;
  reconnect_latency.merge(other.reconnect_latency);
  handshake_latency.merge(other.handshake_latency);
  if (other.elapsed_seconds > elapsed_seconds) elapsed_seconds = other.elapsed_seconds;
}

std::uint64_t FleetSummary::rejected_total() const {
  std::uint64_t n = 0;
  for (const auto& [k, v] : rejected) n += v;
  return n;
}

std::uint64_t FleetSummary::disconnected_total() const {
  std::uint64_t n = 0;
  for (const auto& [k, v] : disconnected) n += v;
  return n;
}

std::string FleetSummary::format() const {
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.2fs", elapsed_seconds);
  std::string text = "summary: " + std::to_string(clients) + " clients, " + elapsed + "\n";
  text += "  attempts " + std::to_string(attempts) + ", redirects " + std::to_string(redirects) + ", connected " +
          std::to_string(connected) + ", messages " + std::to_string(messages) + "\n";
  text += "  rejected " + std::to_string(rejected_total()) + breakdown(rejected) + "\n";
  text += "  disconnected " + std::to_string(disconnected_total()) + breakdown(disconnected) + "\n";
  text += "  gaps " + std::to_string(gaps) + " (" + std::to_string(missing_messages) + " messages missing)\n";
  text += "  reconnect latency: " + percentiles(reconnect_latency) + "\n";
  text += "  handshake latency: " + percentiles(handshake_latency) + "\n";
  return text;
}

}  // namespace wsfo::clients
