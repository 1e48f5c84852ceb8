#pragma once
// The cutover state machine of one gateway (DESIGN.md §1, fence): active rules
// version N, at most one prepared version N+1 whose moved slots are fenced
// (new handshakes refused, live connections closed), then commit or abort.
// Also its persisted form, so a restarted node resumes its committed version.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/routing/rule_diff.hpp"
#include "core/routing/rule_set.hpp"

namespace wsfo::gateway {

// Outcome of one admin step; `status` is the HTTP status the admin API answers.
struct StepResult {
  int status = 200;       // 200 ok, 400 bad input, 409 version conflict
  bool repeated = false;  // an idempotent repeat of a step already done
  std::string message;    // why it failed, or what happened
  // An abort that took a committed version back: the slots that moved back
  // (the caller closes their connections). Empty for any other step.
  std::optional<routing::RuleDiff> reverted = std::nullopt;

  bool ok() const { return status == 200; }
};

struct RestoredRules;

class RulesState {
 public:
  struct Pending {
    routing::RuleSet rules;
    routing::RuleDiff diff;
  };

  explicit RulesState(routing::RuleSet active);

  const routing::RuleSet& active() const { return active_; }
  const std::optional<Pending>& pending() const { return pending_; }
  // The committed rules active_ replaced by its commit, kept so that a
  // rollback can take the committed version back (cleared by that revert).
  const std::optional<routing::RuleSet>& previous() const { return previous_; }

  // O(1): a slot that a prepared version moves to another unit.
  bool is_fenced(std::uint32_t slot) const { return slot < fenced_.size() && fenced_[slot]; }

  // Accepts exactly version N+1 (409 otherwise); repeating the same prepare is
  // fine, a different N+1 while one is pending is a conflict. On success the
  // caller closes the connections of pending()->diff.moved().
  StepResult prepare(const routing::RuleSet& next);
  // Activates the pending version and keeps the replaced one as previous();
  // committing the active version again is a harmless repeat.
  StepResult commit(std::uint64_t version);
  // Puts the gateway back on the version before `version` (what a cutover
  // rollback asks of every gateway): drops a pending `version`; or, with
  // nothing pending, reverts a committed `version` to previous() (the result
  // carries the diff of that revert); aborting N+1 while on N is a repeat.
  // Anything else is 409.
  StepResult abort(std::uint64_t version);

  // {"committed": <rules>, "pending": <rules> | null, "previous": <rules> | null}
  json::Json to_json() const;

  static RestoredRules restore(const json::Json& persisted, const std::vector<std::string>& known_units,
                               json::Problems& problems);

 private:
  void set_pending(std::optional<Pending> pending);

  routing::RuleSet active_;
  std::optional<Pending> pending_;
  std::optional<routing::RuleSet> previous_;
  std::vector<bool> fenced_;
};

struct RestoredRules {
  std::optional<RulesState> state;
  std::optional<std::uint64_t> discarded_pending;  // a prepare that did not survive the restart
};

}  // namespace wsfo::gateway
