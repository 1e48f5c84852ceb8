#include "simulator/live/live_nemesis.hpp"

#include <csignal>
#include <fstream>
#include <thread>

#include "core/history/records.hpp"
#include "gateway/admin_client.hpp"

namespace wsfo::live {

namespace {

constexpr auto kAdminTimeout = std::chrono::duration_cast<std::chrono::milliseconds>(cutover::kAdminCallTimeout);

}  // namespace

std::vector<cutover::GatewayRef> gateway_refs(const LivePlan& plan) {
  std::vector<cutover::GatewayRef> refs;
  for (const auto& g : plan.gateways) refs.push_back({g.node, g.unit, g.admin});
  return refs;
}

const GatewayPlan* LiveNemesis::find_gateway(const std::string& node) const {
  for (const auto& g : plan_.gateways)
    if (g.node == node) return &g;
  return nullptr;
}

void LiveNemesis::action_started(std::size_t index, const std::string& name, std::int64_t at_ns) {
  actions_.started(index, name, at_ns, log_);
}

std::string LiveNemesis::kill_node(const scenario::KillNode& k) {
  parts_.kill("gateway " + k.node);
  return {};
}

// A dead host, as the real stack plays it (link down, every process
// SIGKILLed): on loopback a node has no link of its own, so its gateway
// emulates one (docs/vrrp.md, "Power-off"): silent VRRP agent, listeners
// gone, connections held silent until a peer takes their VIP over. Its
// process stays until the restore restarts it.
std::string LiveNemesis::power_off(const scenario::PowerOff& off) {
  return post_faults(off.node, R"({"power_off": true})");
}

std::string LiveNemesis::restore_node(const scenario::RestoreNode& r) {
  return parts_.restart("gateway " + r.node, true);
}

std::string LiveNemesis::post_faults(const std::string& node, const std::string& body) {
  const GatewayPlan* gateway = find_gateway(node);
  if (!gateway) return "unknown node " + node;
  auto reply = gateway::http_request(gateway->admin, "POST", "/faults", body, admin_token_, kAdminTimeout);
  return reply.status == 200 ? std::string() : "POST /faults on " + node + " failed: " + reply.error + reply.body;
}

std::string LiveNemesis::stop_gateway(const scenario::StopGateway& s) {
  return post_faults(s.node, R"({"serving": false})");
}

std::string LiveNemesis::start_gateway(const scenario::StartGateway& s) {
  return post_faults(s.node, R"({"serving": true})");
}

std::string LiveNemesis::kill_backend(const scenario::BackendKill& b) {
  parts_.kill("backend " + b.backend);
  return {};
}

std::string LiveNemesis::restore_backend(const scenario::BackendRestore& b) {
  return parts_.restart("backend " + b.backend, true);
}

// A graceful reload, as nginx -s reload in seed 002: the new backend starts,
// then every gateway of the unit gets its rewritten config.
std::string LiveNemesis::add_backend(const scenario::BackendAdd& a, const scenario::Scenario& reloaded) {
  if (auto error = parts_.start(backend_plan(reloaded, a.unit, a.backend, run_dir_).process, true); !error.empty())
    return error;
  return reload_unit(reloaded, *reloaded.find_unit(a.unit));
}

// The backend leaves the routes; its process keeps serving the connections
// it has (a reload drops none) until the run ends.
std::string LiveNemesis::remove_backend(const scenario::BackendRemove& r, const scenario::Scenario& reloaded) {
  return reload_unit(reloaded, *reloaded.find_unit(r.unit));
}

std::string LiveNemesis::add_clients(const scenario::ClientsAdd& c) {
  return start_clients_wave(plan_, c.group, parts_, events_files_);
}

// Split brain: each node's VRRP agent drops the other's adverts (POST
// /faults {"drop_adverts_from": [...]}); heal lifts it on both.
std::string LiveNemesis::drop_adverts(const std::string& node, const std::string& peer_node, bool drop) {
  const scenario::Node* peer = scenario_.find_node(peer_node);
  if (!peer) return "unknown node " + peer_node;
  json::Json body = {{"drop_adverts_from", drop ? json::Json::array({peer->address}) : json::Json::array()}};
  return post_faults(node, body.dump());
}

std::string LiveNemesis::drop_adverts_both(const std::string& a, const std::string& b, bool drop) {
  std::string first = drop_adverts(a, b, drop), second = drop_adverts(b, a, drop);
  return first.empty() || second.empty() ? first + second : first + "; " + second;
}

std::string LiveNemesis::partition(const scenario::Partition& p) { return drop_adverts_both(p.a, p.b, true); }
std::string LiveNemesis::heal(const scenario::Heal& h) { return drop_adverts_both(h.a, h.b, false); }

// Admin API faults are the gateway's own (POST /faults): its admin listener
// closes, or it answers every request late. They are lifted by SIGUSR1, since
// an unreachable admin API cannot be asked; the restore waits until the
// admin API answers again.
std::string LiveNemesis::admin_unreachable(const scenario::AdminUnreachable& a) {
  return post_faults(a.node, R"({"admin_unreachable": true})");
}

std::string LiveNemesis::admin_slow(const scenario::AdminSlow& a) {
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(a.delay).count();
  return post_faults(a.node, json::Json{{"admin_delay_ms", delay}}.dump());
}

std::string LiveNemesis::admin_restore(const scenario::AdminRestore& a) {
  const GatewayPlan* gateway = find_gateway(a.node);
  if (!gateway) return "unknown node " + a.node;
  if (!parts_.signal("gateway " + a.node, SIGUSR1)) return "gateway " + a.node + " is not running";
  gateway::HttpReply reply;
  for (auto deadline = std::chrono::steady_clock::now() + kAdminTimeout; std::chrono::steady_clock::now() < deadline;) {
    reply = gateway::http_request(gateway->admin, "GET", "/health", "", admin_token_, std::chrono::milliseconds(500));
    if (reply.status != 0) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "the admin API of " + a.node + " does not answer after SIGUSR1: " + reply.error;
}

std::map<std::string, std::optional<std::uint64_t>> LiveNemesis::gateway_versions() {
  gateway::HttpGatewayAdmin admin(admin_token_);
  std::map<std::string, std::optional<std::uint64_t>> versions;
  for (const auto& ref : gateway_refs(plan_)) {
    cutover::GatewayStatus status = admin.status(ref);
    versions[ref.node] = status.reachable ? std::optional(status.version) : std::nullopt;
  }
  return versions;
}

// Rewrites the config of every node of `unit` (with the rules in force) and
// asks each gateway to reload it: POST /reload, or SIGHUP when the admin API
// has no such endpoint.
std::string LiveNemesis::reload_unit(const scenario::Scenario& reloaded, const scenario::Unit& unit) {
  std::string errors;
  for (const auto& node : unit.nodes) {
    const GatewayPlan* gateway = find_gateway(node.name);
    if (!gateway) continue;
    std::string path = run_dir_ + "/" + gateway->config_file;
    std::ofstream(path) << gateway_config(reloaded, unit, node, run_dir_).dump(2);
    if (parts_.killed("gateway " + node.name)) {  // a restore starts it with the rewritten config
      log_ << "  " << node.name << " is down: its config is rewritten for the restore\n";
      continue;
    }
    auto reply = gateway::http_request(gateway->admin, "POST", "/reload", "", admin_token_, kAdminTimeout);
    if (reply.status == 200) {
      log_ << "  " << node.name << " reloaded\n";
    } else if (reply.status == 404 && parts_.signal("gateway " + node.name, SIGHUP)) {
      log_ << "  " << node.name << ": no POST /reload, sent SIGHUP\n";
    } else {
      errors += (errors.empty() ? "" : "; ") + std::string("reload of ") + node.name +
                " failed: " + (reply.status ? std::to_string(reply.status) + " " + reply.body : reply.error);
    }
  }
  return errors;
}

}  // namespace wsfo::live
