#include "core/gateway/metrics.hpp"

namespace wsfo::gateway {

std::string_view to_string(Metrics::Outcome outcome) {
  switch (outcome) {
    case Metrics::Outcome::proxied:
      return "proxied";
    case Metrics::Outcome::redirected:
      return "redirected";
    case Metrics::Outcome::rejected:
      return "rejected";
  }
  return "unknown";
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void Metrics::handshake(Outcome outcome, std::string_view reason) { ++handshakes_[{outcome, std::string(reason)}]; }

void Metrics::connection_closed(const std::string& unit, std::uint16_t code) {
  --connections_[unit];
  ++closes_[code];
}

void Metrics::set_rules(std::uint64_t active_version, std::optional<std::uint64_t> pending_version) {
  rules_version_ = active_version;
  pending_version_ = pending_version;
}

std::int64_t Metrics::connections(const std::string& unit) const {
  auto it = connections_.find(unit);
  return it == connections_.end() ? 0 : it->second;
}

std::uint64_t Metrics::handshakes(Outcome outcome, std::string_view reason) const {
  auto it = handshakes_.find({outcome, std::string(reason)});
  return it == handshakes_.end() ? 0 : it->second;
}

std::uint64_t Metrics::closes(std::uint16_t code) const {
  auto it = closes_.find(code);
  return it == closes_.end() ? 0 : it->second;
}

std::uint64_t Metrics::accept_failures(std::string_view reason) const {
  auto it = accept_failures_.find(reason);
  return it == accept_failures_.end() ? 0 : it->second;
}

namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string Metrics::render(const std::string& node, const std::string& unit) const {
  std::string out;
  family(out, "wsfo_gateway_info", "gauge", "Which node and unit this gateway is.");
  out += "wsfo_gateway_info{node=\"" + escape_label_value(node) + "\",unit=\"" + escape_label_value(unit) + "\"} 1\n";

  family(out, "wsfo_gateway_serving", "gauge", "1 while the gateway accepts connections, 0 after a stop fault.");
  out += "wsfo_gateway_serving " + std::string(serving_ ? "1" : "0") + "\n";

  family(out, "wsfo_gateway_connections", "gauge", "Live relayed WebSocket connections by the unit serving them.");
  for (const auto& [u, n] : connections_)
    out += "wsfo_gateway_connections{unit=\"" + escape_label_value(u) + "\"} " + std::to_string(n) + "\n";

  family(out, "wsfo_gateway_handshakes_total", "counter",
         "Handshakes by outcome (proxied, redirected, rejected) and rejection reason.");
  for (const auto& [key, n] : handshakes_) {
    out += "wsfo_gateway_handshakes_total{outcome=\"" + std::string(to_string(key.first)) + "\"";
    if (!key.second.empty()) out += ",reason=\"" + escape_label_value(key.second) + "\"";
    out += "} " + std::to_string(n) + "\n";
  }

  family(out, "wsfo_gateway_handshakes_in_progress", "gauge",
         "Accepted connections whose request head is not complete yet (capped by limits.max_handshakes_in_progress).");
  out += "wsfo_gateway_handshakes_in_progress " + std::to_string(handshakes_in_progress_) + "\n";

  family(out, "wsfo_gateway_accept_failures_total", "counter",
         "Failed accepts by reason (descriptors: EMFILE or ENFILE; other); the accept loop backs off after each.");
  for (const auto& [reason, n] : accept_failures_)
    out += "wsfo_gateway_accept_failures_total{reason=\"" + escape_label_value(reason) + "\"} " + std::to_string(n) + "\n";

  family(out, "wsfo_gateway_tls_unknown_server_names_total", "counter",
         "TLS handshakes whose SNI names a server the certificate does not carry (the default certificate was served).");
  out += "wsfo_gateway_tls_unknown_server_names_total " + std::to_string(unknown_server_names_) + "\n";

  family(out, "wsfo_gateway_closes_total", "counter",
         "Relayed connections closed, by WebSocket close code (1006: dropped without a close frame).");
  for (const auto& [code, n] : closes_)
    out += "wsfo_gateway_closes_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";

  family(out, "wsfo_gateway_bytes_total", "counter", "Bytes relayed after the handshake, by direction.");
  out += "wsfo_gateway_bytes_total{direction=\"client_to_backend\"} " + std::to_string(client_to_backend_bytes_) + "\n";
  out += "wsfo_gateway_bytes_total{direction=\"backend_to_client\"} " + std::to_string(backend_to_client_bytes_) + "\n";

  family(out, "wsfo_gateway_rules_version", "gauge", "Version of the active traffic rules.");
  out += "wsfo_gateway_rules_version " + std::to_string(rules_version_) + "\n";
  family(out, "wsfo_gateway_rules_pending_version", "gauge", "Version prepared but not committed (0: none).");
  out += "wsfo_gateway_rules_pending_version " + std::to_string(pending_version_.value_or(0)) + "\n";
  return out;
}

}  // namespace wsfo::gateway
