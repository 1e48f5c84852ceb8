#include "core/gateway/route_decision.hpp"

#include <algorithm>
#include <array>

namespace wsfo::gateway {

std::string_view label(RejectReason reason) {
  switch (reason) {
    case RejectReason::not_upgrade:
      return "not_upgrade";
    case RejectReason::bad_method:
      return "bad_method";
    case RejectReason::bad_http_version:
      return "bad_http_version";
    case RejectReason::missing_host:
      return "missing_host";
    case RejectReason::bad_websocket_key:
      return "bad_websocket_key";
    case RejectReason::bad_websocket_version:
      return "bad_websocket_version";
    case RejectReason::bad_target:
      return "bad_target";
    case RejectReason::malformed_router_id:
      return "malformed_router_id";
    case RejectReason::missing_router_id:
      return "missing_router_id";
    case RejectReason::fenced:
      return "fenced";
    case RejectReason::forward_loop:
      return "forward_loop";
    case RejectReason::too_many_connections:
      return "too_many_connections";
    case RejectReason::handshake_timeout:
      return "handshake_timeout";
    case RejectReason::header_too_large:
      return "header_too_large";
    case RejectReason::bad_request:
      return "bad_request";
    case RejectReason::no_route:
      return "no_route";
    case RejectReason::client_closed:
      return "client_closed";
    case RejectReason::no_backend:
      return "no_backend";
    case RejectReason::backend_refused_upgrade:
      return "backend_refused_upgrade";
    case RejectReason::not_serving:
      return "not_serving";
    case RejectReason::handshake_cap:
      return "handshake_cap";
    case RejectReason::out_of_descriptors:
      return "out_of_descriptors";
    case RejectReason::plain_http_on_tls_port:
      return "plain_http_on_tls_port";
    case RejectReason::tls_version:
      return "tls_version";
    case RejectReason::tls_handshake_failed:
      return "tls_handshake_failed";
  }
  return "unknown";
}

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_base64(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

// RFC 6455 §4.1: the base64 encoding of 16 bytes: 22 characters and "==".
bool valid_websocket_key(std::string_view key) {
  key = trim(key);
  return key.size() == 24 && key.substr(22) == "==" && is_base64(key.substr(0, 22));
}

}  // namespace

std::vector<std::string_view> RequestHead::values(std::string_view name) const {
  std::vector<std::string_view> found;
  for (const auto& [field, value] : fields)
    if (iequals(field, name)) found.push_back(value);
  return found;
}

bool has_token(const std::vector<std::string_view>& values, std::string_view token) {
  for (std::string_view value : values) {
    while (!value.empty()) {
      auto comma = value.find(',');
      if (iequals(trim(value.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::string redirect_location(std::string_view public_url, std::string_view target) {
  while (!public_url.empty() && public_url.back() == '/') public_url.remove_suffix(1);
  std::string location(public_url);
  location += target.empty() ? std::string_view("/") : target;
  return location;
}

namespace {

// Everything the rules look at, worked out once.
struct Facts {
  const DecisionInputs& in;
  routing::RouterIdLookup lookup;
  std::optional<std::uint32_t> slot;
  std::string serving_unit;  // from the rules, or from the missing-routerId policy
  std::optional<std::string_view> forwarded_by;
  CorrectionMode correction = CorrectionMode::redirect;  // for this handshake: a browser's may differ

  const GatewayConfig& config() const { return in.config; }
  bool other_unit() const { return serving_unit != in.config.unit; }
};

Facts gather(const DecisionInputs& in) {
  Facts facts{in, {}, {}, in.config.unit, {}, correction_for(in.config, !in.request.values("Origin").empty())};
  routing::RouterIdCarriers carriers{in.request.values("routerId"), in.request.values("Cookie"), in.request.target};
  facts.lookup = routing::find_router_id(carriers, in.config.router_id_sources);
  const auto& rules = in.rules.active();
  if (facts.lookup.status == routing::RouterIdLookup::Status::found) {
    facts.slot = routing::slot_of(facts.lookup.router_id, rules.modulus());
    facts.serving_unit = rules.unit_of_slot(*facts.slot);
  } else if (facts.lookup.status == routing::RouterIdLookup::Status::missing &&
             in.config.missing.kind == MissingPolicyKind::unit) {
    facts.serving_unit = in.config.missing.unit;
  }
  auto forwarded = in.request.values(kForwardedByHeader);
  if (!forwarded.empty()) facts.forwarded_by = forwarded.front();
  return facts;
}

Decision reject(int status, RejectReason code, std::string reason) {
  Decision d;
  d.kind = Decision::Kind::reject;
  d.status = status;
  d.reason_code = code;
  d.reason = std::move(reason);
  return d;
}

std::chrono::seconds retry_after_of(const GatewayConfig& config) {
  return std::chrono::ceil<std::chrono::seconds>(config.limits.retry_after);
}

std::string describe_id(const Facts& f) {
  return "routerId " + std::to_string(f.lookup.router_id) + " (slot " + std::to_string(*f.slot) + ")";
}

using Outcome = std::optional<Decision>;

// ---- The rules, in the order the table applies them. ----

Outcome require_upgrade(const Facts& f) {
  if (has_token(f.in.request.values("Upgrade"), "websocket") && has_token(f.in.request.values("Connection"), "upgrade"))
    return std::nullopt;
  auto d = reject(426, RejectReason::not_upgrade,
                  "this endpoint only accepts WebSocket upgrades (Connection: Upgrade, Upgrade: websocket)");
  d.headers = {{"Upgrade", "websocket"}};
  return d;
}

Outcome require_get(const Facts& f) {
  if (f.in.request.method == "GET") return std::nullopt;
  auto d = reject(405, RejectReason::bad_method,
                  "a WebSocket upgrade must use GET, got " + std::string(f.in.request.method));
  d.headers = {{"Allow", "GET"}};
  return d;
}

Outcome require_http11(const Facts& f) {
  if (f.in.request.version >= 11) return std::nullopt;
  return reject(400, RejectReason::bad_http_version,
                "a WebSocket upgrade needs HTTP/1.1, got HTTP/" + std::to_string(f.in.request.version / 10) + "." +
                    std::to_string(f.in.request.version % 10));
}

Outcome require_host(const Facts& f) {
  if (f.in.request.values("Host").size() == 1) return std::nullopt;
  return reject(400, RejectReason::missing_host, "expected exactly one Host header");
}

Outcome require_websocket_version(const Facts& f) {
  auto versions = f.in.request.values("Sec-WebSocket-Version");
  if (versions.size() == 1 && trim(versions.front()) == "13") return std::nullopt;
  auto d = reject(426, RejectReason::bad_websocket_version,
                  versions.empty()
                      ? std::string("missing Sec-WebSocket-Version; expected 13")
                      : "unsupported Sec-WebSocket-Version '" + std::string(versions.front()) + "'; expected 13");
  d.headers = {{"Sec-WebSocket-Version", "13"}};
  return d;
}

Outcome require_websocket_key(const Facts& f) {
  auto keys = f.in.request.values("Sec-WebSocket-Key");
  if (keys.size() == 1 && valid_websocket_key(keys.front())) return std::nullopt;
  if (keys.empty()) return reject(400, RejectReason::bad_websocket_key, "missing Sec-WebSocket-Key");
  if (keys.size() > 1) return reject(400, RejectReason::bad_websocket_key, "more than one Sec-WebSocket-Key");
  return reject(400, RejectReason::bad_websocket_key,
                "Sec-WebSocket-Key must be the base64 encoding of 16 bytes (24 characters)");
}

Outcome require_origin_form(const Facts& f) {
  std::string_view target = f.in.request.target;
  if (!target.empty() && target.front() == '/') return std::nullopt;
  return reject(400, RejectReason::bad_target,
                "request target must be a path such as /ws?routerId=1, got '" + std::string(target) + "'");
}

Outcome reject_malformed_router_id(const Facts& f) {
  if (f.lookup.status != routing::RouterIdLookup::Status::malformed) return std::nullopt;
  return reject(400, RejectReason::malformed_router_id, f.lookup.reason);
}

Outcome apply_missing_policy(const Facts& f) {
  if (f.lookup.status != routing::RouterIdLookup::Status::missing ||
      f.config().missing.kind != MissingPolicyKind::reject)
    return std::nullopt;
  std::string sources;
  for (auto s : f.config().router_id_sources) sources += (sources.empty() ? "" : ", ") + std::string(to_string(s));
  return reject(400, RejectReason::missing_router_id, "routerId is missing (looked in: " + sources + ")");
}

Outcome reject_fenced(const Facts& f) {
  if (!f.slot || !f.in.rules.is_fenced(*f.slot)) return std::nullopt;
  const auto& pending = *f.in.rules.pending();
  auto d = reject(503, RejectReason::fenced,
                  describe_id(f) + " is fenced: rules v" + std::to_string(pending.rules.version()) + " move it from " +
                      f.in.rules.active().unit_of_slot(*f.slot) + " to " + pending.rules.unit_of_slot(*f.slot) +
                      "; retry shortly");
  d.retry_after = retry_after_of(f.config());
  return d;
}

Outcome reject_forward_loop(const Facts& f) {
  if (!f.forwarded_by || !f.other_unit()) return std::nullopt;
  return reject(508, RejectReason::forward_loop,
                "forwarded by " + std::string(*f.forwarded_by) + " but this gateway's rules v" +
                    std::to_string(f.in.rules.active().version()) + " give it to unit " + f.serving_unit +
                    "; not forwarding it again");
}

Outcome redirect_to_unit(const Facts& f) {
  if (!f.other_unit() || f.correction != CorrectionMode::redirect) return std::nullopt;
  Decision d;
  d.kind = Decision::Kind::redirect;
  d.status = 302;
  d.unit = f.serving_unit;
  d.location = redirect_location(f.config().find_unit(f.serving_unit)->public_url, f.in.request.target);
  d.reason =
      (f.slot ? describe_id(f) : std::string("a request without routerId")) + " belongs to unit " + f.serving_unit;
  return d;
}

Outcome enforce_connection_limit(const Facts& f) {
  if (f.in.live_connections < f.config().limits.max_connections) return std::nullopt;
  auto d = reject(503, RejectReason::too_many_connections,
                  "too many connections (limit " + std::to_string(f.config().limits.max_connections) + ")");
  d.retry_after = retry_after_of(f.config());
  return d;
}

Outcome proxy_to_unit(const Facts& f) {
  if (!f.other_unit()) return std::nullopt;
  Decision d;
  d.kind = Decision::Kind::proxy_to_unit;
  d.unit = f.serving_unit;
  return d;
}

Outcome proxy_local(const Facts& f) {
  Decision d;
  d.kind = Decision::Kind::proxy_local;
  d.unit = f.config().unit;
  return d;
}

struct TableRule {
  std::string_view name;
  Outcome (*apply)(const Facts&);
};

// The first rule that answers decides. Order matters: a request is checked
// as a WebSocket handshake before its routerId is looked at; a redirect holds
// no connection, so the connection limit applies only to what is proxied.
constexpr std::array kTable{
    TableRule{"websocket-upgrade", require_upgrade},
    TableRule{"method-get", require_get},
    TableRule{"http-1.1", require_http11},
    TableRule{"host-header", require_host},
    TableRule{"websocket-version", require_websocket_version},
    TableRule{"websocket-key", require_websocket_key},
    TableRule{"origin-form-target", require_origin_form},
    TableRule{"malformed-router-id", reject_malformed_router_id},
    TableRule{"missing-router-id-policy", apply_missing_policy},
    TableRule{"fenced-slot", reject_fenced},
    TableRule{"forward-loop", reject_forward_loop},
    TableRule{"redirect-correction", redirect_to_unit},
    TableRule{"connection-limit", enforce_connection_limit},
    TableRule{"proxy-correction", proxy_to_unit},
    TableRule{"own-unit", proxy_local},
};

}  // namespace

Decision decide(const DecisionInputs& inputs) {
  Facts facts = gather(inputs);
  for (const TableRule& rule : kTable) {
    if (auto decision = rule.apply(facts)) {
      decision->rule = rule.name;
      if (facts.lookup.status == routing::RouterIdLookup::Status::found) decision->router_id = facts.lookup.router_id;
      decision->slot = facts.slot;
      return std::move(*decision);
    }
  }
  return reject(500, RejectReason::bad_request, "no rule decided");  // unreachable: own-unit always answers
}

}  // namespace wsfo::gateway
