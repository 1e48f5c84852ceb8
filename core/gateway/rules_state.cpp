#include "core/gateway/rules_state.hpp"

#include "core/routing/rules_json.hpp"

namespace wsfo::gateway {

namespace {

std::string v(std::uint64_t version) { return "v" + std::to_string(version); }

StepResult failure(int status, std::string message) { return StepResult{status, false, std::move(message)}; }

bool same_rules(const routing::RuleSet& a, const routing::RuleSet& b) {
  return a.version() == b.version() && a.modulus() == b.modulus() && a.ranges() == b.ranges();
}

}  // namespace

RulesState::RulesState(routing::RuleSet active) : active_(std::move(active)) {}

void RulesState::set_pending(std::optional<Pending> pending) {
  pending_ = std::move(pending);
  fenced_.assign(pending_ ? active_.modulus() : 0, false);
  if (!pending_) return;
  for (const auto& moved : pending_->diff.moved())
    for (std::uint32_t slot = moved.first; slot <= moved.last; ++slot) fenced_[slot] = true;
}

StepResult RulesState::prepare(const routing::RuleSet& next) {
  if (next.modulus() != active_.modulus())
    return failure(400, "rules modulus " + std::to_string(next.modulus()) + " differs from the active modulus " +
                            std::to_string(active_.modulus()));
  if (pending_ && same_rules(pending_->rules, next))
    return StepResult{200, true, v(next.version()) + " is already prepared"};
  if (pending_)
    return failure(409, "version conflict: " + v(pending_->rules.version()) +
                            " is already prepared with other rules; abort it first");
  if (next.version() != active_.version() + 1)
    return failure(409, "version conflict: active rules are " + v(active_.version()) + ", so a prepare must be " +
                            v(active_.version() + 1) + ", got " + v(next.version()));
  set_pending(Pending{next, routing::RuleDiff(active_, next)});
  return StepResult{
      200, false,
      v(next.version()) + " prepared, " + std::to_string(pending_->diff.moved().size()) + " moved range(s) fenced"};
}

StepResult RulesState::commit(std::uint64_t version) {
  if (pending_ && pending_->rules.version() == version) {
    previous_ = std::move(active_);
    active_ = pending_->rules;
    set_pending(std::nullopt);
    return StepResult{200, false, v(version) + " committed"};
  }
  if (!pending_ && active_.version() == version) return StepResult{200, true, v(version) + " is already active"};
  return failure(409, "version conflict: cannot commit " + v(version) + ": active " + v(active_.version()) +
                          (pending_ ? ", pending " + v(pending_->rules.version()) : ", nothing pending"));
}

StepResult RulesState::abort(std::uint64_t version) {
  if (pending_ && pending_->rules.version() == version) {
    set_pending(std::nullopt);
    return StepResult{200, false, v(version) + " aborted, " + v(active_.version()) + " stays active"};
  }
  if (!pending_ && version == active_.version() + 1)
    return StepResult{200, true, v(version) + " is not pending (already aborted or never prepared)"};
  if (!pending_ && version == active_.version() && previous_) {
    StepResult result{200, false,
                      v(version) + " reverted to " + v(previous_->version()) + " (rollback of a committed version)",
                      routing::RuleDiff(active_, *previous_)};
    active_ = std::move(*previous_);
    previous_.reset();
    return result;
  }
  std::string why = pending_                       ? ", pending " + v(pending_->rules.version())
                    : version == active_.version() ? ", nothing pending, and no previous version is kept to revert to"
                                                   : ", nothing pending";
  return failure(409, "version conflict: cannot abort " + v(version) + ": active " + v(active_.version()) + why);
}

json::Json RulesState::to_json() const {
  return {{"committed", routing::to_json(active_)},
          {"pending", pending_ ? routing::to_json(pending_->rules) : json::Json(nullptr)},
          {"previous", previous_ ? routing::to_json(*previous_) : json::Json(nullptr)}};
}

RestoredRules RulesState::restore(const json::Json& persisted, const std::vector<std::string>& known_units,
                                  json::Problems& problems) {
  RestoredRules restored;
  json::ObjectReader reader(persisted, "", problems);
  if (!reader.valid()) return restored;
  const json::Json* committed = reader.object("committed", true);
  const json::Json* pending = reader.value("pending", true);
  const json::Json* previous = reader.value("previous", false);  // absent in files from before rollbacks
  if (!committed || !pending) return restored;
  auto rules = routing::read_rules(*committed, "/committed", problems, known_units);
  if (!rules) return restored;
  std::optional<routing::RuleSet> previous_rules;
  if (previous && !previous->is_null()) {
    previous_rules = routing::read_rules(*previous, "/previous", problems, known_units);
    if (!previous_rules) return restored;
    if (previous_rules->version() + 1 != rules->version() || previous_rules->modulus() != rules->modulus()) {
      problems.add("/previous", "expected the rules committed just before version " + std::to_string(rules->version()) +
                                    " (version " + std::to_string(rules->version() - 1) + ", modulus " +
                                    std::to_string(rules->modulus()) + ")");
      return restored;
    }
  }
  if (!pending->is_null()) {
    auto version = pending->is_object() && pending->contains("version") && (*pending)["version"].is_number_unsigned()
                       ? (*pending)["version"].get<std::uint64_t>()
                       : rules->version() + 1;
    restored.discarded_pending = version;
  }
  restored.state = RulesState(*rules);
  restored.state->previous_ = std::move(previous_rules);
  return restored;
}

}  // namespace wsfo::gateway
