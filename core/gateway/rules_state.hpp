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

  // O(1): a slot that a prepared version moves to another unit.
  bool is_fenced(std::uint32_t slot) const { return slot < fenced_.size() && fenced_[slot]; }

  // Accepts exactly version N+1 (409 otherwise); repeating the same prepare is
  // fine, a different N+1 while one is pending is a conflict. On success the
  // caller closes the connections of pending()->diff.moved().
  StepResult prepare(const routing::RuleSet& next);
  // Activates the pending version; committing the active version again is a
  // harmless repeat.
  StepResult commit(std::uint64_t version);
  // Drops the pending version; aborting N+1 when nothing is pending is a repeat.
  StepResult abort(std::uint64_t version);

  // {"committed": <rules>, "pending": <rules> | null}
  json::Json to_json() const;

  static RestoredRules restore(const json::Json& persisted, const std::vector<std::string>& known_units,
                               json::Problems& problems);

 private:
  void set_pending(std::optional<Pending> pending);

  routing::RuleSet active_;
  std::optional<Pending> pending_;
  std::vector<bool> fenced_;
};

struct RestoredRules {
  std::optional<RulesState> state;
  std::optional<std::uint64_t> discarded_pending;  // a prepare that did not survive the restart
};

}  // namespace wsfo::gateway
