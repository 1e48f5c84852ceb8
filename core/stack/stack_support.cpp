#include "core/stack/stack_support.hpp"

#include <optional>
#include <variant>

namespace wsfo::stack {

namespace {

using scenario::Scenario;

// An item plain nginx + keepalived cannot play: where it is, and why not.
struct Refusal {
  std::string item;
  std::string why;
};

using Found = std::optional<Refusal>;

Found check_units(const Scenario& s) {
  if (s.units.size() > 1)
    return Refusal{"units[1] (" + s.units[1].name + ")",
                   "it serves one unit, with no redirect or correction between units"};
  for (std::size_t u = 0; u < s.units.size(); ++u)
    for (std::size_t r = 0; r < s.units[u].routes.size(); ++r)
      if (s.units[u].routes[r].balance == scenario::Balance::router_id_hash)
        return Refusal{"units[" + std::to_string(u) + "].routes[" + std::to_string(r) + "] (balance router-id-hash)",
                       "it does not read routerIds, so it cannot balance by wsfo's routerId hash"};
  return std::nullopt;
}

// Modulus and sources only decide a routerId's unit, which one unit makes moot;
// these two settings change what a client sees.
Found check_gateway(const Scenario& s) {
  if (s.gateway.correction == scenario::Correction::proxy)
    return Refusal{"gateway.correction (proxy)", "it has no correction between units to proxy"};
  if (s.gateway.browser_correction == scenario::Correction::proxy)
    return Refusal{"gateway.browser_correction (proxy)", "it has no correction between units to proxy"};
  if (s.gateway.router_id.missing.kind == scenario::MissingRouterIdPolicy::Kind::reject)
    return Refusal{"gateway.router_id.missing (reject)",
                   "it does not read routerIds, so it cannot reject a client without one"};
  if (s.gateway.max_handshakes_in_progress)
    return Refusal{"gateway.max_handshakes_in_progress",
                   "nginx has no cap on connections whose request head is not read yet"};
  return std::nullopt;
}

Found check_rules(const Scenario& s) {
  if (s.units.empty()) return std::nullopt;
  const std::string& served = s.units.front().name;
  const auto& ranges = s.rules.ranges();
  for (std::size_t i = 0; i < ranges.size(); ++i)
    if (ranges[i].unit != served)
      return Refusal{"rules.ranges[" + std::to_string(i) + "] (" + routing::describe(ranges[i]) + ")",
                     "it has no routerId rules: it serves every routerId in unit " + served};
  return std::nullopt;
}

Found check_expectation(const scenario::Expectation& expect, const std::string& item) {
  if (expect.cutover) return Refusal{item + ".expect.cutover", "it has no cutover, so there is no outcome to expect"};
  if (expect.same_version)
    return Refusal{item + ".expect.same_version", "it has no admin API to report a rules version"};
  if (!expect.detects.empty())
    return Refusal{item + ".expect.detects (" + expect.detects.front() + ")",
                   "it serves one unit: no client can bounce between units or be served by two"};
  return std::nullopt;
}

Found check_timeline(const Scenario& s) {
  for (std::size_t i = 0; i < s.timeline.size(); ++i) {
    const scenario::TimelineEvent& event = s.timeline[i];
    std::string item = "timeline[" + std::to_string(i) + "]";
    if (std::holds_alternative<scenario::Cutover>(event.action))
      return Refusal{item + " (cutover)", "it has no routerId rules to cut over"};
    if (std::holds_alternative<scenario::AdminUnreachable>(event.action) ||
        std::holds_alternative<scenario::AdminSlow>(event.action) ||
        std::holds_alternative<scenario::AdminRestore>(event.action))
      return Refusal{item + " (" + scenario::action_name(event.action) + ")",
                     "it has no admin API to make unreachable or slow"};
    if (Found refusal = check_expectation(event.expect, item)) return refusal;
  }
  return std::nullopt;
}

Found first_refusal_of_nginx_keepalived(const Scenario& s) {
  for (auto check : {check_units, check_gateway, check_rules, check_timeline})
    if (Found refusal = check(s)) return refusal;
  return std::nullopt;
}

}  // namespace

std::string first_unrealisable(const scenario::Scenario& scenario, scenario::StackKind kind) {
  switch (kind) {
    case scenario::StackKind::wsfo:
      return {};
    case scenario::StackKind::nginx_keepalived:
      if (Found refusal = first_refusal_of_nginx_keepalived(scenario))
        return refusal->item + ": the " + scenario::stack_kind_name(kind) + " stack is plain nginx: " + refusal->why;
      return {};
  }
  return "unknown stack kind";
}

std::string switch_stack(scenario::Scenario& scenario, scenario::StackKind kind) {
  if (scenario.stack.kind == kind) return {};
  const scenario::Stack given = scenario.stack;
  scenario.stack = scenario::Stack{};
  scenario.stack.kind = kind;
  std::string left_out;
  if (given.nginx_workers != scenario.stack.nginx_workers) left_out += "nginx_workers";
  if (given.worker_shutdown_timeout) left_out += std::string(left_out.empty() ? "" : ", ") + "worker_shutdown_timeout";
  if (left_out.empty()) return {};
  return "the scenario's " + scenario::stack_kind_name(given.kind) + " settings (" + left_out +
         ") do not apply to the " + scenario::stack_kind_name(kind) + " stack: left out";
}

}  // namespace wsfo::stack
