// What each admin API request does. The HTTP plumbing is in
// admin_api.cpp; this file sees requests and replies as plain values.
#include "core/routing/rules_json.hpp"
#include "core/run/cutover_effects.hpp"
#include "gateway/gateway_node.hpp"
#include "gateway/state_file.hpp"
#include "gateway/vrrp_node.hpp"

namespace wsfo::gateway {

namespace {

using json::Json;

AdminReply reply(int status, const Json& body) {
  return AdminReply{status, "application/json", body.dump(2) + "\n", {}};
}

AdminReply error_reply(int status, const std::string& message) { return reply(status, Json{{"error", message}}); }

AdminReply problems_reply(const json::Problems& problems) {
  Json list = Json::array();
  for (const auto& p : problems.list()) list.push_back(json::format(p));
  return reply(400, Json{{"error", "invalid request body"}, {"problems", list}});
}

Json moved_json(const routing::MovedRange& m) {
  return Json{{"from", m.first}, {"to", m.last}, {"from_unit", m.from_unit}, {"to_unit", m.to_unit}};
}

// Closes every registered connection of each range with 4001 and its reason;
// the moved ranges as the admin API answers them, and how many were closed.
std::pair<Json, std::size_t> close_moved(ConnectionRegistry& registry, const std::vector<run::MovedClose>& closes) {
  Json moved = Json::array();
  std::size_t total = 0;
  for (const auto& close : closes) {
    auto connections = registry.connections_in(close.range.first, close.range.last);
    for (RegisteredConnection* c : connections) c->close_with(run::kMovedCloseCode, close.reason);
    total += connections.size();
    Json entry = moved_json(close.range);
    entry["closed"] = connections.size();
    moved.push_back(entry);
  }
  return {moved, total};
}

struct Body {
  std::optional<Json> document;
  json::Problems problems;
};

Body parse_body(const std::string& text) {
  Body body;
  if (text.empty())
    body.problems.add("", "expected a JSON object body");
  else
    body.document = json::parse(text, body.problems);
  return body;
}

}  // namespace

void GatewayNode::sync_rules_metrics() {
  metrics.set_rules(rules.active().version(),
                    rules.pending() ? std::optional(rules.pending()->rules.version()) : std::nullopt);
}

std::string GatewayNode::persist_rules(const RulesState& state) {
  if (config.state_file.empty()) return {};
  return write_file_atomically(config.state_file, state.to_json().dump(2) + "\n");
}

namespace {

class AdminRoutes {
 public:
  explicit AdminRoutes(GatewayNode& node) : node_(node) {}

  AdminReply rules() {
    Json fenced = Json::array();
    if (node_.rules.pending())
      for (const auto& m : node_.rules.pending()->diff.moved()) fenced.push_back(moved_json(m));
    return reply(200, Json{{"node", node_.config.node},
                           {"unit", node_.config.unit},
                           {"active", routing::to_json(node_.rules.active())},
                           {"pending", node_.rules.pending() ? routing::to_json(node_.rules.pending()->rules) : Json()},
                           {"revertible_to", node_.rules.previous() ? Json(node_.rules.previous()->version()) : Json()},
                           {"fenced", fenced}});
  }

  AdminReply preview(const std::string& text) {
    Body body = parse_body(text);
    std::optional<routing::RuleSet> next;
    if (body.document) next = read_rules_member(*body.document, body.problems, nullptr);
    if (!next) return problems_reply(body.problems);
    const auto& active = node_.rules.active();
    if (next->modulus() != active.modulus())
      return error_reply(400, "rules modulus " + std::to_string(next->modulus()) + " differs from the active modulus " +
                                  std::to_string(active.modulus()));
    routing::RuleDiff diff(active, *next);
    Json moved = Json::array();
    std::size_t total = 0;
    for (const auto& m : diff.moved()) {
      std::size_t live = node_.registry.count_in(m.first, m.last);
      total += live;
      Json entry = moved_json(m);
      entry["live_connections"] = live;
      moved.push_back(entry);
    }
    return reply(200, Json{{"node", node_.config.node},
                           {"from_version", active.version()},
                           {"to_version", next->version()},
                           {"version_ok", next->version() == active.version() + 1},
                           {"moved", moved},
                           {"moved_slots", diff.moved_slot_count()},
                           {"live_connections_closed", total},
                           {"text_diff", diff.text_diff()}});
  }

  AdminReply prepare(const std::string& text) {
    Body body = parse_body(text);
    std::optional<std::int64_t> version;
    std::optional<routing::RuleSet> next;
    if (body.document) next = read_rules_member(*body.document, body.problems, &version);
    if (!next) return problems_reply(body.problems);
    if (next->version() != static_cast<std::uint64_t>(*version))
      return error_reply(400, "version " + std::to_string(*version) + " differs from rules.version " +
                                  std::to_string(next->version()));
    RulesState after = node_.rules;
    StepResult result = after.prepare(*next);
    if (!result.ok()) return step_error(result);
    if (std::string error = node_.persist_rules(after); !error.empty())
      return error_reply(500, "cannot persist the rules state: " + error);
    node_.rules = std::move(after);
    node_.sync_rules_metrics();
    auto [moved, total] = close_moved(node_.registry, run::closes_after_prepare(node_.rules));
    log_line(node_) << "prepared v" << next->version() << (result.repeated ? " (repeat)" : "") << ": closed " << total
                    << " connection(s) with 4001\n";
    return reply(200, Json{{"prepared", next->version()},
                           {"repeated", result.repeated},
                           {"moved", moved},
                           {"closed_total", total},
                           {"message", result.message}});
  }

  AdminReply finish_step(const std::string& text, bool commit) {
    Body body = parse_body(text);
    std::optional<std::int64_t> version;
    if (body.document) {
      json::ObjectReader reader(*body.document, "", body.problems);
      version = reader.integer("version", true, 0, std::numeric_limits<std::int64_t>::max());
    }
    if (!body.problems.empty()) return problems_reply(body.problems);
    RulesState after = node_.rules;
    auto v = static_cast<std::uint64_t>(*version);
    StepResult result = commit ? after.commit(v) : after.abort(v);
    if (!result.ok()) return step_error(result);
    if (std::string error = node_.persist_rules(after); !error.empty())
      return error_reply(500, "cannot persist the rules state: " + error);
    node_.rules = std::move(after);
    node_.sync_rules_metrics();
    Json answer{{commit ? "committed" : "aborted", v},
                {"repeated", result.repeated},
                {"active_version", node_.rules.active().version()},
                {"message", result.message}};
    if (result.reverted) {
      auto [moved, total] = close_moved(node_.registry, run::closes_after_revert(*result.reverted));
      answer["reverted"] = true;
      answer["moved"] = moved;
      answer["closed_total"] = total;
      log_line(node_) << result.message << ": closed " << total << " connection(s) with 4001\n";
    } else {
      log_line(node_) << result.message << "\n";
    }
    return reply(200, answer);
  }

  AdminReply health() {
    std::string status = node_.serving ? "serving" : node_.shutting_down ? "draining" : "stopped";
    Json body{{"status", status},
              {"node", node_.config.node},
              {"unit", node_.config.unit},
              {"rules_version", node_.rules.active().version()},
              {"pending_version", node_.rules.pending() ? Json(node_.rules.pending()->rules.version()) : Json()},
              {"connections", node_.registry.size()},
              {"max_connections", node_.config.limits.max_connections},
              {"live_backends", node_.backends->live_backends(node_.now())},
              {"discarded_pending", node_.discarded_pending ? Json(*node_.discarded_pending) : Json()}};
    return reply(node_.serving ? 200 : 503, body);
  }

  AdminReply metrics() {
    return AdminReply{200,
                      "text/plain; version=0.0.4; charset=utf-8",
                      node_.metrics.render(node_.config.node, node_.config.unit),
                      {}};
  }

  AdminReply faults(const std::string& text) {
    Body body = parse_body(text);
    std::optional<bool> serving;
    bool drop = true;
    std::optional<std::set<std::string>> drop_adverts_from;  // VRRP partition (gateway/vrrp_node)
    bool power_off = false;                                  // a dead host (node_power_off.cpp)
    std::optional<bool> admin_unreachable;                   // admin API faults; SIGUSR1 lifts them
    std::optional<std::int64_t> admin_delay_ms;
    if (body.document) {
      json::ObjectReader reader(*body.document, "", body.problems);
      bool partition = reader.has("drop_adverts_from");
      power_off = reader.has("power_off");
      bool admin_fault = reader.has("admin_unreachable") || reader.has("admin_delay_ms");
      serving = reader.boolean("serving", !partition && !power_off && !admin_fault);
      admin_unreachable = reader.boolean("admin_unreachable", false);
      admin_delay_ms = reader.integer("admin_delay_ms", false, 0, 60000);
      if (admin_unreachable == false)
        body.problems.add("/admin_unreachable", "only true: SIGUSR1 makes the admin API reachable again");
      drop = reader.boolean("drop_connections", false).value_or(true);
      if (partition) drop_adverts_from = read_advert_peers(reader, body.problems);
      if (power_off && reader.boolean("power_off", true) == false)
        body.problems.add("/power_off", "only true: a powered-off node comes back by being restarted");
    }
    if (!body.problems.empty()) return problems_reply(body.problems);
    if (power_off && (serving || drop_adverts_from))
      return error_reply(400, "power_off cannot be combined with other faults");
    if (power_off) node_.power_off();
    if (node_.powered_off && (serving || drop_adverts_from))
      return error_reply(409, "this node is powered off: restart it first");
    if (drop_adverts_from && !node_.vrrp) return error_reply(409, "this node has no VRRP agent (no vrrp section)");
    if (drop_adverts_from) node_.vrrp->drop_adverts_from(*drop_adverts_from);
    if (admin_delay_ms) node_.admin_delay = std::chrono::milliseconds(*admin_delay_ms);
    if (admin_unreachable) node_.make_admin_unreachable();
    if (serving)
      if (std::string error = node_.set_serving(*serving, drop); !error.empty()) return error_reply(500, error);
    Json answer{{"serving", node_.serving},
                {"powered_off", node_.powered_off},
                {"connections", node_.registry.size()},
                {"admin_unreachable", node_.admin_unreachable},
                {"admin_delay_ms", node_.admin_delay.count()}};
    if (node_.vrrp) answer["vrrp"] = node_.vrrp->status();
    return reply(200, answer);
  }

 private:
  // Reads {"rules": {...}} (and "version" when `version` is given).
  std::optional<routing::RuleSet> read_rules_member(const Json& document, json::Problems& problems,
                                                    std::optional<std::int64_t>* version) {
    return json::read_strictly(problems, [&]() -> std::optional<routing::RuleSet> {
      json::ObjectReader reader(document, "", problems);
      if (version) *version = reader.integer("version", true, 0, std::numeric_limits<std::int64_t>::max());
      const Json* rules = reader.object("rules", true);
      if (!rules) return std::nullopt;
      return routing::read_rules(*rules, "/rules", problems, node_.config.unit_names());
    });
  }

  AdminReply step_error(const StepResult& result) {
    return reply(result.status, Json{{"error", result.message},
                                     {"active_version", node_.rules.active().version()},
                                     {"pending_version",
                                      node_.rules.pending() ? Json(node_.rules.pending()->rules.version()) : Json()}});
  }

  GatewayNode& node_;
};

}  // namespace

AdminReply GatewayNode::handle_admin(const AdminRequest& request) {
  std::string_view path(request.target);
  path = path.substr(0, path.find('?'));
  // Before anything else, so a refused request learns nothing: not whether
  // the path exists, the method fits, or how close a token came.
  if (!admin_request_allowed(config.admin_auth, path, request.authorization)) {
    AdminReply denied = error_reply(401, "unauthorized");
    denied.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"wsfo-gateway\"");
    return denied;
  }
  bool known_path = false;
  for (const AdminEndpoint& route : kAdminEndpoints) {
    if (route.path != path) continue;
    known_path = true;
    if (route.method != request.method) continue;
    AdminRoutes routes(*this);
    if (path == "/rules") return routes.rules();
    if (path == "/rules/preview") return routes.preview(request.body);
    if (path == "/rules/prepare") return routes.prepare(request.body);
    if (path == "/rules/commit") return routes.finish_step(request.body, true);
    if (path == "/rules/abort") return routes.finish_step(request.body, false);
    if (path == "/health") return routes.health();
    if (path == "/metrics") return routes.metrics();
    if (path == "/faults") return routes.faults(request.body);
    if (path == "/reload") return reload_config();
  }
  if (!known_path) return error_reply(404, "no admin endpoint " + std::string(path));
  std::string allowed;
  for (const AdminEndpoint& route : kAdminEndpoints)
    if (route.path == path) allowed = std::string(route.method);
  AdminReply wrong = error_reply(405, "use " + allowed + " for " + std::string(path));
  wrong.headers.emplace_back("Allow", allowed);
  return wrong;
}

}  // namespace wsfo::gateway
