#pragma once
// The operator's cutover (切流) as in the MSHA console: preview, named
// pre-checks (each retryable, each skippable with the skip recorded), prepare
// on every gateway, catch-up wait, commit on every gateway; on any failure
// every gateway is put back on the baseline rules. The same code drives
// `wsfo cutover`, the live runner and the SimGrid model: the gateways and the
// clock are reached only through the GatewayAdmin port the caller supplies.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/routing/rule_diff.hpp"
#include "core/routing/rule_set.hpp"

namespace wsfo::cutover {

using Duration = std::chrono::nanoseconds;

// How long wsfo's runs (live and model) wait for one admin call.
inline constexpr Duration kAdminCallTimeout = std::chrono::seconds(3);

struct GatewayRef {
  std::string node;
  std::string unit;
  std::string admin;  // address of its admin API, as the port understands it
};

struct GatewayStatus {
  bool reachable = false;
  std::string error;  // why it is unreachable
  std::uint64_t version = 0;
  bool serving = false;  // accepting handshakes (not stopped by a fault)
  std::uint64_t live_backends = 0;
  std::uint64_t connections = 0;
  std::uint64_t max_connections = 0;
};

struct AdminReply {
  bool ok = false;
  int status = 0;  // HTTP status, 0 when unreachable
  std::string message;
  // The call never reached the gateway (its connection was refused), so it
  // changed nothing there; a timeout or an answer may have.
  bool refused = false;
};

struct PreviewReply {
  AdminReply reply;
  std::vector<std::uint64_t> closes_per_moved_range;  // aligned with RuleDiff::moved()
};

// What the workflow needs from the world. Calls block until answered, which
// suits both a real HTTP client and a SimGrid actor.
class GatewayAdmin {
 public:
  virtual ~GatewayAdmin() = default;
  virtual GatewayStatus status(const GatewayRef& gateway) = 0;
  virtual PreviewReply preview(const GatewayRef& gateway, const routing::RuleSet& rules) = 0;
  virtual AdminReply prepare(const GatewayRef& gateway, const routing::RuleSet& rules) = 0;
  virtual AdminReply commit(const GatewayRef& gateway, std::uint64_t version) = 0;
  // Back to the version before `version`, whether it was prepared or
  // committed; a gateway already there answers ok.
  virtual AdminReply abort(const GatewayRef& gateway, std::uint64_t version) = 0;
  virtual void sleep(Duration duration) = 0;
  virtual Duration now() = 0;
};

struct Options {
  bool fence = true;
  Duration catch_up{};     // fenced: wait between prepare and commit (data replication)
  Duration skew{};         // unfenced: delay between successive units learning the rules
  int check_attempts = 3;  // a failing pre-check is retried this many times in all
  Duration check_retry_delay = std::chrono::milliseconds(500);
  std::set<std::string> skip;    // pre-check names skipped for an emergency
  double max_utilisation = 0.9;  // capacity headroom: connections after the move / max
  // A prepare or commit acknowledged later than this fails the rollout (the
  // gateway did apply it: the rollback reverts it). Absent: no deadline.
  std::optional<Duration> step_deadline;
};

// Names of the pre-checks, in the order they run.
inline const std::vector<std::string>& precheck_names() {
  static const std::vector<std::string> names = {"rules-valid", "gateways-reachable", "same-version", "target-serving",
                                                 "capacity-headroom"};
  return names;
}

struct CheckOutcome {
  std::string name;
  enum class Status { pass, fail, skipped } status = Status::pass;
  int attempts = 0;
  std::string detail;
};

struct StepRecord {  // one admin call, in order, for the report
  Duration at{};
  std::string step;  // "preview", "prepare", "commit", "abort"
  std::string node;
  bool ok = false;
  std::string message;
};

struct GatewayPreview {
  std::string node;
  std::vector<std::uint64_t> closes_per_moved_range;
};

enum class Outcome {
  committed,     // every gateway is on the new version
  aborted,       // a pre-check failed; nothing was changed
  rolled_back,   // a step failed; every gateway is back on the baseline rules and version
  inconsistent,  // the rollback failed on some gateways: the report names them
};

std::string_view to_string(Outcome outcome);
std::string_view to_string(CheckOutcome::Status status);

struct CutoverResult {
  Outcome outcome = Outcome::aborted;
  std::uint64_t from_version = 0;
  std::uint64_t to_version = 0;
  std::vector<routing::MovedRange> moved;
  std::string rule_text_diff;
  std::vector<GatewayPreview> previews;
  std::vector<CheckOutcome> checks;
  std::vector<StepRecord> steps;
  std::uint64_t final_version = 0;       // the version every gateway ends on (when consistent)
  std::vector<std::string> unreachable;  // gateways the rollback could not restore
  // Gateways that refused every rollout call, so were never changed: their
  // failed abort leaves nothing behind.
  std::vector<std::string> untouched;
  std::string reason;  // why it did not commit
};

class CutoverWorkflow {
 public:
  CutoverWorkflow(std::vector<GatewayRef> gateways, routing::RuleSet baseline, routing::RuleSet target, Options options,
                  GatewayAdmin& admin);

  // Preview and pre-checks only (the operator's confirm step comes next).
  CutoverResult plan();
  // The whole workflow: preview, pre-checks, prepare, catch-up, commit.
  CutoverResult execute();

 private:
  void preview(CutoverResult& result);
  bool run_prechecks(CutoverResult& result);
  std::optional<std::string> run_check(const std::string& name);
  bool execute_fenced(CutoverResult& result);
  bool execute_unfenced(CutoverResult& result);
  void rollback(CutoverResult& result);
  AdminReply record(CutoverResult& result, const std::string& step, const GatewayRef& gateway, AdminReply reply);
  // A rollout step: the call, held to the step deadline, with the gateway
  // marked as possibly changed unless the call was refused.
  bool rollout_step(CutoverResult& result, const std::string& step, const GatewayRef& gateway);
  std::vector<std::vector<const GatewayRef*>> gateways_by_unit() const;

  std::vector<GatewayRef> gateways_;
  routing::RuleSet baseline_;
  routing::RuleSet target_;
  routing::RuleDiff diff_;
  Options options_;
  GatewayAdmin& admin_;
  std::vector<GatewayPreview> previews_;  // for the capacity check
  std::set<std::string> touched_;         // gateways a rollout call may have changed
};

}  // namespace wsfo::cutover
