#include "core/cutover/cutover_workflow.hpp"

#include <algorithm>
#include <map>

namespace wsfo::cutover {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::committed:
      return "committed";
    case Outcome::aborted:
      return "aborted";
    case Outcome::rolled_back:
      return "rolled-back";
    case Outcome::inconsistent:
      return "inconsistent";
  }
  return "unknown";
}

std::string_view to_string(CheckOutcome::Status status) {
  switch (status) {
    case CheckOutcome::Status::pass:
      return "pass";
    case CheckOutcome::Status::fail:
      return "fail";
    case CheckOutcome::Status::skipped:
      return "skipped";
  }
  return "unknown";
}

CutoverWorkflow::CutoverWorkflow(std::vector<GatewayRef> gateways, routing::RuleSet baseline, routing::RuleSet target,
                                 Options options, GatewayAdmin& admin)
    : gateways_(std::move(gateways)),
      baseline_(std::move(baseline)),
      target_(std::move(target)),
      diff_(baseline_, target_),
      options_(std::move(options)),
      admin_(admin) {}

CutoverResult CutoverWorkflow::plan() {
  CutoverResult result;
  result.from_version = baseline_.version();
  result.to_version = target_.version();
  result.final_version = baseline_.version();
  result.moved = diff_.moved();
  result.rule_text_diff = diff_.text_diff();
  preview(result);
  if (!run_prechecks(result)) {
    result.outcome = Outcome::aborted;
    return result;
  }
  result.outcome = Outcome::committed;  // provisional: plan() changes nothing
  return result;
}

CutoverResult CutoverWorkflow::execute() {
  CutoverResult result = plan();
  if (result.outcome == Outcome::aborted) return result;
  touched_.clear();
  bool done = options_.fence ? execute_fenced(result) : execute_unfenced(result);
  if (done) {
    result.outcome = Outcome::committed;
    result.final_version = target_.version();
  }
  return result;
}

void CutoverWorkflow::preview(CutoverResult& result) {
  for (const GatewayRef& gateway : gateways_) {
    PreviewReply reply = admin_.preview(gateway, target_);
    record(result, "preview", gateway, reply.reply);
    if (reply.reply.ok) result.previews.push_back({gateway.node, reply.closes_per_moved_range});
  }
  previews_ = result.previews;
}

bool CutoverWorkflow::run_prechecks(CutoverResult& result) {
  for (const std::string& name : precheck_names()) {
    CheckOutcome outcome{name, CheckOutcome::Status::pass, 0, {}};
    if (options_.skip.count(name)) {
      outcome.status = CheckOutcome::Status::skipped;
      outcome.detail = "skipped by the operator";
      result.checks.push_back(outcome);
      continue;
    }
    std::optional<std::string> failure;
    for (int attempt = 1; attempt <= std::max(1, options_.check_attempts); ++attempt) {
      outcome.attempts = attempt;
      failure = run_check(name);
      if (!failure) break;
      if (attempt < options_.check_attempts) admin_.sleep(options_.check_retry_delay);
    }
    if (failure) {
      outcome.status = CheckOutcome::Status::fail;
      outcome.detail = *failure;
      result.checks.push_back(outcome);
      result.reason = "pre-check " + name + " failed: " + *failure;
      return false;
    }
    result.checks.push_back(outcome);
  }
  return true;
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

// Each check returns why it failed, or nothing when it holds.
std::optional<std::string> CutoverWorkflow::run_check(const std::string& name) {
  if (name == "rules-valid") {
    if (target_.version() != baseline_.version() + 1)
      return "target version " + std::to_string(target_.version()) + " is not baseline version " +
             std::to_string(baseline_.version()) + " + 1";
    std::vector<std::string> orphan;
    for (const auto& unit : target_.units()) {
      bool has_gateway = std::any_of(gateways_.begin(), gateways_.end(), [&](auto& g) { return g.unit == unit; });
      bool receives =
          std::any_of(target_.ranges().begin(), target_.ranges().end(), [&](auto& r) { return r.unit == unit; });
      if (receives && !has_gateway) orphan.push_back(unit);
    }
    if (!orphan.empty()) return "rules send slots to units without a gateway: " + join(orphan);
    return std::nullopt;
  }
  std::vector<std::string> problems;
  std::map<std::string, std::uint64_t> connections, capacity;
  std::map<std::string, bool> unit_serving;
  for (const GatewayRef& gateway : gateways_) {
    GatewayStatus status = admin_.status(gateway);
    if (name == "gateways-reachable" && !status.reachable) problems.push_back(gateway.node + " (" + status.error + ")");
    if (name == "same-version" && status.reachable && status.version != baseline_.version())
      problems.push_back(gateway.node + " is on version " + std::to_string(status.version));
    if (name == "same-version" && !status.reachable) problems.push_back(gateway.node + " is unreachable");
    if (status.reachable && status.serving && status.live_backends > 0) unit_serving[gateway.unit] = true;
    connections[gateway.unit] += status.connections;
    capacity[gateway.unit] += status.max_connections;
  }
  if (name == "target-serving") {
    for (const auto& moved : diff_.moved())
      if (!unit_serving[moved.to_unit] && std::find(problems.begin(), problems.end(), moved.to_unit) == problems.end())
        problems.push_back(moved.to_unit);
    if (!problems.empty()) return "no serving gateway with a live backend in unit(s): " + join(problems);
  }
  if (name == "capacity-headroom") {
    std::map<std::string, std::uint64_t> incoming;
    for (const GatewayPreview& preview : previews_)
      for (std::size_t i = 0; i < preview.closes_per_moved_range.size() && i < diff_.moved().size(); ++i)
        incoming[diff_.moved()[i].to_unit] += preview.closes_per_moved_range[i];
    for (const auto& [unit, extra] : incoming) {
      double limit = options_.max_utilisation * static_cast<double>(capacity[unit]);
      if (static_cast<double>(connections[unit] + extra) > limit)
        problems.push_back(unit + " would hold " + std::to_string(connections[unit] + extra) + " of " +
                           std::to_string(capacity[unit]) + " connections");
    }
    if (!problems.empty()) return "not enough headroom: " + join(problems);
  }
  if (name == "gateways-reachable" && !problems.empty()) return "unreachable: " + join(problems);
  if (name == "same-version" && !problems.empty())
    return "expected every gateway on version " + std::to_string(baseline_.version()) + ": " + join(problems);
  return std::nullopt;
}

AdminReply CutoverWorkflow::record(CutoverResult& result, const std::string& step, const GatewayRef& gateway,
                                   AdminReply reply) {
  result.steps.push_back({admin_.now(), step, gateway.node, reply.ok, reply.message});
  return reply;
}

namespace {

std::string milliseconds_text(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

bool CutoverWorkflow::rollout_step(CutoverResult& result, const std::string& step, const GatewayRef& gateway) {
  const Duration started = admin_.now();
  AdminReply reply = step == "prepare" ? admin_.prepare(gateway, target_) : admin_.commit(gateway, target_.version());
  if (!reply.refused) touched_.insert(gateway.node);
  const Duration took = admin_.now() - started;
  if (reply.ok && options_.step_deadline && took > *options_.step_deadline) {
    reply.ok = false;
    reply.message = "acknowledged after " + milliseconds_text(took) + ", over the step deadline of " +
                    milliseconds_text(*options_.step_deadline);
  }
  record(result, step, gateway, reply);
  if (!reply.ok) result.reason = step + " failed on " + gateway.node + ": " + reply.message;
  return reply.ok;
}

bool CutoverWorkflow::execute_fenced(CutoverResult& result) {
  for (const GatewayRef& gateway : gateways_) {
    if (!rollout_step(result, "prepare", gateway)) {
      rollback(result);
      return false;
    }
  }
  admin_.sleep(options_.catch_up);
  for (const GatewayRef& gateway : gateways_) {
    if (!rollout_step(result, "commit", gateway)) {
      rollback(result);
      return false;
    }
  }
  return true;
}

std::vector<std::vector<const GatewayRef*>> CutoverWorkflow::gateways_by_unit() const {
  std::vector<std::string> order;
  std::vector<std::vector<const GatewayRef*>> groups;
  for (const GatewayRef& gateway : gateways_) {
    auto it = std::find(order.begin(), order.end(), gateway.unit);
    if (it == order.end()) {
      order.push_back(gateway.unit);
      groups.emplace_back();
      it = order.end() - 1;
    }
    groups[static_cast<std::size_t>(it - order.begin())].push_back(&gateway);
  }
  return groups;
}

// Without the fence each unit applies the rules on its own, `skew` apart:
// the window in which clients bounce between units or are served twice.
bool CutoverWorkflow::execute_unfenced(CutoverResult& result) {
  auto groups = gateways_by_unit();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) admin_.sleep(options_.skew);
    for (const GatewayRef* gateway : groups[g]) {
      bool ok = rollout_step(result, "prepare", *gateway) && rollout_step(result, "commit", *gateway);
      if (!ok) {
        result.reason = "applying the rules failed on " + gateway->node + ": " + result.steps.back().message;
        rollback(result);
        return false;
      }
    }
  }
  return true;
}

// `abort` of version N+1 puts a gateway back on version N whether N+1 was only
// prepared or already committed there, so after a rollback every gateway
// that answered is on the baseline again, under the baseline's version. A
// gateway whose abort fails is left behind only if a rollout call may have
// changed it; one that refused every call never left the baseline.
void CutoverWorkflow::rollback(CutoverResult& result) {
  result.outcome = Outcome::rolled_back;
  result.final_version = baseline_.version();
  for (const GatewayRef& gateway : gateways_) {
    AdminReply reply = record(result, "abort", gateway, admin_.abort(gateway, target_.version()));
    if (reply.ok) continue;
    (touched_.count(gateway.node) ? result.unreachable : result.untouched).push_back(gateway.node);
  }
  if (!result.unreachable.empty()) result.outcome = Outcome::inconsistent;
}

}  // namespace wsfo::cutover
