#include "simulator/backend/backend_stats.hpp"

#include <nlohmann/json.hpp>

#include "core/routing/router_id.hpp"

namespace wsfo::backend {

namespace {

nlohmann::json counts_json(const std::map<std::string, ConnectionCounts>& counts) {
  auto out = nlohmann::json::object();
  for (const auto& [key, c] : counts) out[key] = {{"open", c.open}, {"total", c.total}};
  return out;
}

}  // namespace

std::string router_id_key(const std::string* header_value) {
  if (!header_value) return std::string(kNoHeaderKey);
  auto parsed = routing::parse_router_id(*header_value);
  return parsed.ok() ? std::to_string(*parsed.value) : std::string(kMalformedKey);
}

void BackendStats::connection_opened(const ConnectionOrigin& origin) {
  ++open_;
  ++total_;
  for (auto* c : {&by_router_id_[origin.router_id], &by_node_[origin.node]}) {
    ++c->open;
    ++c->total;
  }
}

void BackendStats::connection_closed(const ConnectionOrigin& origin) {
  --open_;
  --by_router_id_[origin.router_id].open;
  --by_node_[origin.node].open;
}

std::string BackendStats::to_json() const {
  nlohmann::json out = {
      {"label", label_},
      {"open_connections", open_},
      {"total_connections", total_},
      {"messages_sent", messages_sent_},
      {"messages_received", messages_received_},
      {"last_broadcast_seq", last_broadcast_seq_},
      {"tls_handshake_failures", tls_handshake_failures_},
      {"router_ids", counts_json(by_router_id_)},
      {"nodes", counts_json(by_node_)},
  };
  return out.dump();
}

}  // namespace wsfo::backend
