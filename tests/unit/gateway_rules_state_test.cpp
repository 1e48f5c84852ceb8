#include <gtest/gtest.h>

#include "core/gateway/rules_state.hpp"
#include "core/routing/rules_json.hpp"

namespace wsfo::gateway {
namespace {

const std::vector<std::string> kUnits = {"center", "unbj"};

routing::RuleSet rules(std::uint64_t version, std::int64_t center_last) {
  return *routing::RuleSet::build(version, {{0, center_last, "center"}, {center_last + 1, 9999, "unbj"}}, kUnits).rules;
}

enum class Step { prepare, commit, abort };

struct Action {
  Step step;
  std::uint64_t version;
  std::int64_t center_last = 5997;  // for prepare
  int status;
  bool repeated = false;
  std::string message_contains = {};
};

struct Script {
  std::string name;
  std::vector<Action> actions;
  std::uint64_t active_after;
  std::optional<std::uint64_t> pending_after;
};

TEST(RulesState, StepsFollowTheVersionProtocol) {
  const std::vector<Script> scripts = {
      {"prepare then commit", {{Step::prepare, 2, 6380, 200}, {Step::commit, 2, 0, 200}}, 2, std::nullopt},
      {"prepare then abort", {{Step::prepare, 2, 6380, 200}, {Step::abort, 2, 0, 200}}, 1, std::nullopt},
      {"skipping a version", {{Step::prepare, 3, 6380, 409, false, "must be v2, got v3"}}, 1, std::nullopt},
      {"an old version", {{Step::prepare, 1, 6380, 409}}, 1, std::nullopt},
      {"same prepare twice", {{Step::prepare, 2, 6380, 200}, {Step::prepare, 2, 6380, 200, true}}, 1, 2},
      {"other rules for a pending version",
       {{Step::prepare, 2, 6380, 200}, {Step::prepare, 2, 7000, 409, false, "already prepared"}},
       1,
       2},
      {"commit without prepare", {{Step::commit, 2, 0, 409, false, "nothing pending"}}, 1, std::nullopt},
      {"commit of a wrong version", {{Step::prepare, 2, 6380, 200}, {Step::commit, 3, 0, 409}}, 1, 2},
      {"commit repeated",
       {{Step::prepare, 2, 6380, 200}, {Step::commit, 2, 0, 200}, {Step::commit, 2, 0, 200, true}},
       2,
       std::nullopt},
      {"abort repeated",
       {{Step::prepare, 2, 6380, 200}, {Step::abort, 2, 0, 200}, {Step::abort, 2, 0, 200, true}},
       1,
       std::nullopt},
      {"abort of a committed version reverts it (rollback)",
       {{Step::prepare, 2, 6380, 200}, {Step::commit, 2, 0, 200}, {Step::abort, 2, 0, 200, false, "reverted to v1"}},
       1,
       std::nullopt},
      {"a revert repeated is a repeat, a second revert is a conflict",
       {{Step::prepare, 2, 6380, 200},
        {Step::commit, 2, 0, 200},
        {Step::abort, 2, 0, 200},
        {Step::abort, 2, 0, 200, true, "not pending"},
        {Step::abort, 1, 0, 409, false, "no previous version"}},
       1,
       std::nullopt},
      {"the initial version has nothing to revert to",
       {{Step::abort, 1, 0, 409, false, "no previous"}},
       1,
       std::nullopt},
      {"no revert while another version is pending",
       {{Step::prepare, 2, 6380, 200},
        {Step::commit, 2, 0, 200},
        {Step::prepare, 3, 7000, 200},
        {Step::abort, 2, 0, 409, false, "pending v3"}},
       2,
       3},
      {"aborting the pending version keeps the revert possible",
       {{Step::prepare, 2, 6380, 200},
        {Step::commit, 2, 0, 200},
        {Step::prepare, 3, 7000, 200},
        {Step::abort, 3, 0, 200},
        {Step::abort, 2, 0, 200, false, "reverted to v1"}},
       1,
       std::nullopt},
      {"only the last committed version can be reverted",
       {{Step::prepare, 2, 6380, 200},
        {Step::commit, 2, 0, 200},
        {Step::prepare, 3, 7000, 200},
        {Step::commit, 3, 0, 200},
        {Step::abort, 2, 0, 409},
        {Step::abort, 3, 0, 200, false, "reverted to v2"},
        {Step::abort, 2, 0, 409}},
       2,
       std::nullopt},
      {"after a revert the next prepare starts from the previous version",
       {{Step::prepare, 2, 6380, 200},
        {Step::commit, 2, 0, 200},
        {Step::abort, 2, 0, 200},
        {Step::prepare, 2, 7000, 200},
        {Step::commit, 2, 0, 200}},
       2,
       std::nullopt},
      {"two cutovers", {{Step::prepare, 2, 6380, 200}, {Step::commit, 2, 0, 200}, {Step::prepare, 3, 5997, 200}}, 2, 3},
  };
  for (const Script& script : scripts) {
    SCOPED_TRACE(script.name);
    RulesState state(rules(1, 5997));
    for (const Action& a : script.actions) {
      StepResult r = a.step == Step::prepare  ? state.prepare(rules(a.version, a.center_last))
                     : a.step == Step::commit ? state.commit(a.version)
                                              : state.abort(a.version);
      EXPECT_EQ(r.status, a.status) << r.message;
      EXPECT_EQ(r.repeated, a.repeated) << r.message;
      EXPECT_NE(r.message.find(a.message_contains), std::string::npos) << r.message;
    }
    EXPECT_EQ(state.active().version(), script.active_after);
    EXPECT_EQ(state.pending() ? std::optional(state.pending()->rules.version()) : std::nullopt, script.pending_after);
  }
}

TEST(RulesState, FencesExactlyTheMovedSlotsWhilePending) {
  RulesState state(rules(1, 5997));
  EXPECT_FALSE(state.is_fenced(6000));
  ASSERT_TRUE(state.prepare(rules(2, 6380)).ok());
  ASSERT_EQ(state.pending()->diff.moved().size(), 1u);
  EXPECT_EQ(state.pending()->diff.moved()[0], (routing::MovedRange{5998, 6380, "unbj", "center"}));
  EXPECT_FALSE(state.is_fenced(5997));
  EXPECT_TRUE(state.is_fenced(5998));
  EXPECT_TRUE(state.is_fenced(6380));
  EXPECT_FALSE(state.is_fenced(6381));
  EXPECT_FALSE(state.is_fenced(20000));
  ASSERT_TRUE(state.abort(2).ok());
  EXPECT_FALSE(state.is_fenced(6000));
}

TEST(RulesState, RevertingACommittedVersionReportsTheSlotsMovingBack) {
  RulesState state(rules(1, 5997));
  ASSERT_TRUE(state.prepare(rules(2, 6380)).ok());
  StepResult committed = state.commit(2);
  EXPECT_FALSE(committed.reverted);
  ASSERT_TRUE(state.previous());
  EXPECT_EQ(state.previous()->version(), 1u);
  StepResult reverted = state.abort(2);
  ASSERT_TRUE(reverted.ok()) << reverted.message;
  ASSERT_TRUE(reverted.reverted);
  EXPECT_EQ(reverted.reverted->from_version(), 2u);
  EXPECT_EQ(reverted.reverted->to_version(), 1u);
  ASSERT_EQ(reverted.reverted->moved().size(), 1u);
  EXPECT_EQ(reverted.reverted->moved()[0], (routing::MovedRange{5998, 6380, "center", "unbj"}));
  EXPECT_EQ(state.active().text(), rules(1, 5997).text());
  EXPECT_FALSE(state.previous());
  EXPECT_FALSE(state.is_fenced(6000));
  // Aborting a pending version is not a revert.
  ASSERT_TRUE(state.prepare(rules(2, 6380)).ok());
  StepResult aborted = state.abort(2);
  EXPECT_TRUE(aborted.ok());
  EXPECT_FALSE(aborted.reverted);
}

TEST(RulesState, TheRevertablePreviousVersionSurvivesARestart) {
  RulesState state(rules(1, 5997));
  ASSERT_TRUE(state.prepare(rules(2, 6380)).ok());
  ASSERT_TRUE(state.commit(2).ok());
  json::Problems problems;
  auto restored = RulesState::restore(json::Json::parse(state.to_json().dump()), kUnits, problems);
  ASSERT_TRUE(problems.empty()) << json::format(problems.list().front());
  ASSERT_TRUE(restored.state);
  ASSERT_TRUE(restored.state->previous());
  EXPECT_EQ(restored.state->previous()->text(), rules(1, 5997).text());
  StepResult reverted = restored.state->abort(2);
  EXPECT_TRUE(reverted.ok()) << reverted.message;
  EXPECT_EQ(restored.state->active().version(), 1u);
  // A state file written before rollbacks existed has no "previous": nothing to revert.
  auto old = RulesState::restore(
      json::Json::parse(R"({"committed": )" + routing::to_json(rules(2, 6380)).dump() + R"(, "pending": null})"),
      kUnits, problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_FALSE(old.state->previous());
  EXPECT_EQ(old.state->abort(2).status, 409);
}

TEST(RulesState, RejectsAnotherModulus) {
  RulesState state(rules(1, 5997));
  auto other = *routing::RuleSet::build(2, {{0, 99, "center"}}, kUnits, 100).rules;
  StepResult r = state.prepare(other);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message.find("modulus"), std::string::npos);
}

TEST(RulesState, RestoresTheCommittedVersionAndReportsADiscardedPrepare) {
  RulesState state(rules(1, 5997));
  ASSERT_TRUE(state.prepare(rules(2, 6380)).ok());
  ASSERT_TRUE(state.commit(2).ok());
  ASSERT_TRUE(state.prepare(rules(3, 7000)).ok());
  json::Json persisted = json::Json::parse(state.to_json().dump());
  json::Problems problems;
  auto restored = RulesState::restore(persisted, kUnits, problems);
  ASSERT_TRUE(problems.empty());
  ASSERT_TRUE(restored.state);
  EXPECT_EQ(restored.state->active().version(), 2u);
  EXPECT_EQ(restored.state->active().text(), rules(2, 6380).text());
  EXPECT_FALSE(restored.state->pending());
  EXPECT_EQ(restored.discarded_pending, 3u);

  ASSERT_TRUE(state.commit(3).ok());
  restored = RulesState::restore(state.to_json(), kUnits, problems);
  EXPECT_EQ(restored.state->active().version(), 3u);
  EXPECT_FALSE(restored.discarded_pending);
}

TEST(RulesState, RestoreNamesWhatIsWrong) {
  struct Bad {
    std::string document;
    std::string pointer;
  };
  const std::vector<Bad> cases = {
      {R"([])", ""},
      {R"({"pending": null})", "/committed"},
      {R"({"committed": {"version": 1, "ranges": [{"from": 0, "to": 9999, "unit": "mars"}]}, "pending": null})",
       "/committed/ranges/0"},
      {R"({"committed": {"version": 1, "ranges": [{"from": 0, "to": 9999, "unit": "unbj"}]}, "pending": null, "x": 1})",
       "/x"},
      {R"({"committed": {"version": 2, "ranges": [{"from": 0, "to": 9999, "unit": "unbj"}]}, "pending": null,
           "previous": {"version": 1, "ranges": [{"from": 0, "to": 9999, "unit": "mars"}]}})",
       "/previous/ranges/0"},
      {R"({"committed": {"version": 3, "ranges": [{"from": 0, "to": 9999, "unit": "unbj"}]}, "pending": null,
           "previous": {"version": 1, "ranges": [{"from": 0, "to": 9999, "unit": "unbj"}]}})",
       "/previous"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.document);
    json::Problems problems;
    auto restored = RulesState::restore(json::Json::parse(c.document), kUnits, problems);
    ASSERT_FALSE(problems.empty());
    EXPECT_EQ(problems.list().front().pointer, c.pointer) << json::format(problems.list().front());
  }
}

}  // namespace
}  // namespace wsfo::gateway
