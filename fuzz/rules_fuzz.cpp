// Rule files (`wsfo rules diff`, the admin API's prepare body) and a
// gateway's persisted rules state: the JSON text through core/json's parser,
// core/routing/rules_json's strict reader (with no unit list and with the
// seed's two units) and RulesState::restore. Accepted rules cover every slot
// once and read back the same from their JSON form; a rejection names why.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/gateway/rules_state.hpp"
#include "core/routing/rules_json.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace wsfo;

namespace {

void check_rules(const json::Json& document, const std::vector<std::string>& units) {
  json::Problems problems;
  const auto rules = routing::read_rules(document, "", problems, units);
  fuzz::check_problems(problems, rules.has_value());
  if (!rules) return;
  WSFO_FUZZ_CHECK(rules->modulus() >= 1);
  std::uint64_t covered = 0;
  for (const auto& range : rules->ranges()) covered += range.last - range.first + 1;
  WSFO_FUZZ_CHECK(covered == rules->modulus());
  WSFO_FUZZ_CHECK(!rules->text().empty());
  json::Problems again;
  const auto back = routing::read_rules(routing::to_json(*rules), "", again, units);
  WSFO_FUZZ_CHECK(back && again.empty());
  WSFO_FUZZ_CHECK(back->text() == rules->text() && back->version() == rules->version());
  // A gateway on the seed's rules given these as the next version (the
  // admin API's prepare, then commit and the rollback's abort).
  const auto seed = routing::RuleSet::build(1, {{0, 5997, "center"}, {5998, 9999, "unbj"}}, {});
  if (!seed.rules) std::abort();
  gateway::RulesState state(*seed.rules);
  const gateway::StepResult prepared = state.prepare(*rules);
  WSFO_FUZZ_CHECK(prepared.status == 200 || prepared.status == 400 || prepared.status == 409);
  WSFO_FUZZ_CHECK(prepared.ok() || !prepared.message.empty());
  if (!prepared.ok()) return;
  WSFO_FUZZ_CHECK(state.pending().has_value());
  for (const auto& moved : state.pending()->diff.moved())
    WSFO_FUZZ_CHECK(state.is_fenced(moved.first) && state.is_fenced(moved.last));
  WSFO_FUZZ_CHECK(state.commit(rules->version()).ok());
  WSFO_FUZZ_CHECK(state.active().text() == rules->text());
  WSFO_FUZZ_CHECK(state.abort(rules->version()).ok());
  WSFO_FUZZ_CHECK(state.active().text() == seed.rules->text());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  json::Problems problems;
  const auto document = json::parse(std::string(fuzz::as_text(data, size)), problems);
  fuzz::check_problems(problems, document.has_value());
  if (!document) return 0;
  check_rules(*document, {});
  check_rules(*document, {"center", "unbj"});
  // The same text as a gateway's persisted state file, read on restart.
  json::Problems restore_problems;
  const gateway::RestoredRules restored = gateway::RulesState::restore(*document, {"center", "unbj"}, restore_problems);
  // The gateway starts from it only when there is a state and no problem
  // (gateway_server.cpp); a refusal must say why.
  const bool accepted = restored.state.has_value() && restore_problems.empty();
  for (const auto& problem : restore_problems.list()) WSFO_FUZZ_CHECK(!problem.message.empty());
  if (!restored.state) WSFO_FUZZ_CHECK(!restore_problems.empty());
  if (accepted) {
    json::Problems again;
    const auto back = gateway::RulesState::restore(restored.state->to_json(), {"center", "unbj"}, again);
    WSFO_FUZZ_CHECK(back.state && again.empty());
    WSFO_FUZZ_CHECK(back.state->to_json() == restored.state->to_json());
  }
  return 0;
}
