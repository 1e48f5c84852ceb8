#include "core/cutover/cutover_workflow.hpp"

#include <gtest/gtest.h>

#include <map>

namespace wsfo::cutover {
namespace {

using namespace std::chrono_literals;

routing::RuleSet rules(std::uint64_t version, std::int64_t center_last) {
  return *routing::RuleSet::build(version, {{0, center_last, "center"}, {center_last + 1, 9999, "unbj"}},
                                  {"center", "unbj"})
              .rules;
}

// In-memory gateways with scriptable failures; time advances only by sleep().
class FakeAdmin : public GatewayAdmin {
 public:
  struct Gateway {
    std::uint64_t version = 1;
    std::optional<std::uint64_t> pending;
    bool reachable = true;
    bool serving = true;
    std::uint64_t backends = 1;
    std::uint64_t connections = 10;
    std::uint64_t max_connections = 1000;
    std::set<std::string> failing_steps;   // "prepare", "commit", ...
    int unreachable_for_status_calls = 0;  // first N status calls fail, then it recovers
    bool refuses_connections = false;      // its admin API is unreachable: every call refused
    Duration delay{};                      // each rollout or rollback call answered this late
  };
  std::map<std::string, Gateway> gateways;
  Duration clock{};
  std::vector<std::string> calls;

  GatewayStatus status(const GatewayRef& ref) override {
    Gateway& g = gateways.at(ref.node);
    if (!g.reachable || g.refuses_connections || g.unreachable_for_status_calls > 0) {
      if (g.unreachable_for_status_calls > 0) --g.unreachable_for_status_calls;
      return {false, "connection refused"};
    }
    return {true, "", g.version, g.serving, g.backends, g.connections, g.max_connections};
  }
  PreviewReply preview(const GatewayRef& ref, const routing::RuleSet&) override {
    calls.push_back("preview " + ref.node);
    return {reply(ref, "preview"), {ref.unit == "unbj" ? 5u : 0u}};
  }
  AdminReply prepare(const GatewayRef& ref, const routing::RuleSet& next) override {
    calls.push_back("prepare " + ref.node + " v" + std::to_string(next.version()));
    AdminReply r = reply(ref, "prepare");
    Gateway& g = gateways.at(ref.node);
    if (r.ok && next.version() != g.version + 1) return {false, 409, "version conflict"};
    if (r.ok) g.pending = next.version();
    return r;
  }
  AdminReply commit(const GatewayRef& ref, std::uint64_t version) override {
    calls.push_back("commit " + ref.node + " v" + std::to_string(version));
    AdminReply r = reply(ref, "commit");
    Gateway& g = gateways.at(ref.node);
    if (r.ok && g.pending != version) return {false, 409, "nothing prepared"};
    if (r.ok) g.version = version, g.pending.reset();
    return r;
  }
  AdminReply abort(const GatewayRef& ref, std::uint64_t version) override {
    calls.push_back("abort " + ref.node + " v" + std::to_string(version));
    AdminReply r = reply(ref, "abort");
    Gateway& g = gateways.at(ref.node);
    if (!r.ok) return r;
    if (g.pending == version)
      g.pending.reset();
    else if (g.version == version)
      g.version = version - 1;
    else if (g.version + 1 == version)
      return {true, 200, "nothing to abort"};
    else
      return {false, 409, "version " + std::to_string(version) + " is neither prepared nor active"};
    return r;
  }
  void sleep(Duration d) override { clock += d; }
  Duration now() override { return clock; }

 private:
  AdminReply reply(const GatewayRef& ref, const std::string& step) {
    Gateway& g = gateways.at(ref.node);
    if (g.refuses_connections) return {false, 0, "Connection refused", true};
    if (!g.reachable) return {false, 0, "connection refused"};
    if (step != "preview") clock += g.delay;
    if (g.failing_steps.count(step)) return {false, 500, step + " failed"};
    return {true, 200, "ok"};
  }
};

class CutoverWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto name : {"hz1", "hz2", "bj1"}) admin.gateways[name] = {};
  }
  CutoverResult run(Options options) {
    CutoverWorkflow workflow(refs, rules(1, 5997), rules(2, 6380), options, admin);
    return workflow.execute();
  }
  std::vector<GatewayRef> refs{{"hz1", "center", "a"}, {"hz2", "center", "b"}, {"bj1", "unbj", "c"}};
  FakeAdmin admin;
};

TEST_F(CutoverWorkflowTest, FencedCutoverPreparesAllThenWaitsThenCommitsAll) {
  Options options;
  options.catch_up = 2s;
  CutoverResult result = run(options);
  EXPECT_EQ(result.outcome, Outcome::committed);
  EXPECT_EQ(result.final_version, 2u);
  ASSERT_EQ(result.moved.size(), 1u);
  EXPECT_EQ(result.moved[0], (routing::MovedRange{5998, 6380, "unbj", "center"}));
  std::vector<std::string> expected = {"preview hz1",    "preview hz2",    "preview bj1",
                                       "prepare hz1 v2", "prepare hz2 v2", "prepare bj1 v2",
                                       "commit hz1 v2",  "commit hz2 v2",  "commit bj1 v2"};
  EXPECT_EQ(admin.calls, expected);
  EXPECT_EQ(admin.clock, 2s);
  for (auto& [name, g] : admin.gateways) EXPECT_EQ(g.version, 2u) << name;
  ASSERT_EQ(result.checks.size(), precheck_names().size());
  for (auto& check : result.checks) EXPECT_EQ(check.status, CheckOutcome::Status::pass) << check.name;
}

TEST_F(CutoverWorkflowTest, FailedPrepareAbortsEverywhereAndLeavesBaseline) {
  admin.gateways["bj1"].failing_steps = {"prepare"};
  CutoverResult result = run({});
  EXPECT_EQ(result.outcome, Outcome::rolled_back);
  EXPECT_EQ(result.final_version, 1u);
  EXPECT_EQ(result.reason, "prepare failed on bj1: prepare failed");
  for (auto& [name, g] : admin.gateways) {
    EXPECT_EQ(g.version, 1u) << name;
    EXPECT_FALSE(g.pending) << name;
  }
}

TEST_F(CutoverWorkflowTest, FailedCommitRollsCommittedGatewaysBackToBaseline) {
  admin.gateways["bj1"].failing_steps = {"commit"};
  CutoverResult result = run({});
  EXPECT_EQ(result.outcome, Outcome::rolled_back);
  EXPECT_EQ(result.final_version, 1u);
  EXPECT_EQ(result.reason, "commit failed on bj1: commit failed");
  for (auto& [name, g] : admin.gateways) {
    EXPECT_EQ(g.version, 1u) << name;
    EXPECT_FALSE(g.pending) << name;
  }
}

TEST_F(CutoverWorkflowTest, RollbackThatCannotReachAGatewayIsInconsistent) {
  admin.gateways["bj1"].failing_steps = {"commit", "abort"};
  CutoverResult result = run({});
  EXPECT_EQ(result.outcome, Outcome::inconsistent);
  EXPECT_EQ(result.unreachable, (std::vector<std::string>{"bj1"}));
  EXPECT_EQ(admin.gateways["hz1"].version, 1u);
}

// The emergency path: the checks that would catch an unreachable admin API
// are skipped, so the rollout meets it and rolls back. The gateway that
// refused every call never left the baseline: rolled back, not inconsistent.
TEST_F(CutoverWorkflowTest, AGatewayThatRefusedEveryCallIsUntouchedByTheRollback) {
  admin.gateways["bj1"].refuses_connections = true;
  Options options;
  options.skip = {"gateways-reachable", "same-version"};
  CutoverResult result = run(options);
  EXPECT_EQ(result.outcome, Outcome::rolled_back);
  EXPECT_EQ(result.reason, "prepare failed on bj1: Connection refused");
  EXPECT_EQ(result.untouched, (std::vector<std::string>{"bj1"}));
  EXPECT_TRUE(result.unreachable.empty());
  std::vector<std::string> expected = {"preview hz1",    "preview hz2",    "preview bj1",
                                       "prepare hz1 v2", "prepare hz2 v2", "prepare bj1 v2",
                                       "abort hz1 v2",   "abort hz2 v2",   "abort bj1 v2"};
  EXPECT_EQ(admin.calls, expected);
  for (auto& [name, g] : admin.gateways) {
    EXPECT_EQ(g.version, 1u) << name;
    EXPECT_FALSE(g.pending) << name;
  }
}

// A call that reached the gateway (an HTTP error, a timeout) may have changed
// it: a failed abort there leaves it behind.
TEST_F(CutoverWorkflowTest, AGatewayAnsweringAnErrorIsTouchedAndItsFailedAbortInconsistent) {
  admin.gateways["bj1"].failing_steps = {"prepare", "abort"};
  CutoverResult result = run({});
  EXPECT_EQ(result.outcome, Outcome::inconsistent);
  EXPECT_EQ(result.unreachable, (std::vector<std::string>{"bj1"}));
  EXPECT_TRUE(result.untouched.empty());
}

// A slow admin API: bj1 acknowledges 400 ms late, over the 200 ms step
// deadline, so the rollout rolls back; its prepare did happen, and the
// rollback (held to no deadline) reverts it.
TEST_F(CutoverWorkflowTest, AStepOverTheDeadlineRollsBackIncludingTheSlowGateway) {
  admin.gateways["bj1"].delay = 400ms;
  Options options;
  options.step_deadline = 200ms;
  CutoverResult result = run(options);
  EXPECT_EQ(result.outcome, Outcome::rolled_back);
  EXPECT_EQ(result.reason, "prepare failed on bj1: acknowledged after 400 ms, over the step deadline of 200 ms");
  ASSERT_FALSE(result.steps.empty());
  EXPECT_EQ(result.steps.back().step, "abort");
  EXPECT_TRUE(result.steps.back().ok);
  for (auto& [name, g] : admin.gateways) {
    EXPECT_EQ(g.version, 1u) << name;
    EXPECT_FALSE(g.pending) << name;
  }
  // Within the deadline the same slowness commits.
  FakeAdmin patient;
  for (auto name : {"hz1", "hz2", "bj1"}) patient.gateways[name] = {};
  patient.gateways["bj1"].delay = 150ms;
  CutoverWorkflow workflow(refs, rules(1, 5997), rules(2, 6380), options, patient);
  EXPECT_EQ(workflow.execute().outcome, Outcome::committed);
}

TEST_F(CutoverWorkflowTest, RollbackThatReachesEveryoneIsConsistent) {
  // hz2 fails its first commit only: the rollback then succeeds everywhere.
  class FlakyCommit : public FakeAdmin {
   public:
    AdminReply commit(const GatewayRef& ref, std::uint64_t version) override {
      if (ref.node == "hz2" && !failed_once) {
        failed_once = true;
        return {false, 0, "timeout"};
      }
      return FakeAdmin::commit(ref, version);
    }
    bool failed_once = false;
  } flaky;
  flaky.gateways = admin.gateways;
  CutoverWorkflow workflow(refs, rules(1, 5997), rules(2, 6380), {}, flaky);
  CutoverResult result = workflow.execute();
  EXPECT_EQ(result.outcome, Outcome::rolled_back);
  EXPECT_TRUE(result.unreachable.empty());
  for (auto& [name, g] : flaky.gateways) EXPECT_EQ(g.version, 1u) << name;
}

TEST_F(CutoverWorkflowTest, UnreachableGatewayFailsPrecheckAndChangesNothing) {
  admin.gateways["hz2"].reachable = false;
  CutoverResult result = run({});
  EXPECT_EQ(result.outcome, Outcome::aborted);
  EXPECT_EQ(result.reason, "pre-check gateways-reachable failed: unreachable: hz2 (connection refused)");
  EXPECT_EQ(result.checks.back().attempts, 3);
  for (auto& call : admin.calls) EXPECT_EQ(call.rfind("preview", 0), 0u) << call;
}

TEST_F(CutoverWorkflowTest, RetriedCheckPassesWhenTheGatewayComesBack) {
  admin.gateways["hz2"].unreachable_for_status_calls = 1;
  Options options;
  options.check_retry_delay = 250ms;
  CutoverResult result = run(options);
  EXPECT_EQ(result.outcome, Outcome::committed);
  EXPECT_EQ(result.checks[1].name, "gateways-reachable");
  EXPECT_EQ(result.checks[1].attempts, 2);
  EXPECT_EQ(admin.clock, 250ms);
}

TEST_F(CutoverWorkflowTest, SkippedCheckIsRecorded) {
  admin.gateways["hz1"].version = 7;  // would fail same-version...
  Options options;
  options.skip = {"same-version"};
  admin.gateways["hz1"].version = 1;
  admin.gateways["hz1"].serving = false;
  admin.gateways["hz2"].serving = false;  // ...and target-serving, which is skipped too
  options.skip.insert("target-serving");
  CutoverResult result = run(options);
  EXPECT_EQ(result.outcome, Outcome::committed);
  EXPECT_EQ(result.checks[2].status, CheckOutcome::Status::skipped);
  EXPECT_EQ(result.checks[2].detail, "skipped by the operator");
  EXPECT_EQ(result.checks[3].status, CheckOutcome::Status::skipped);
}

TEST_F(CutoverWorkflowTest, TargetUnitWithoutServingGatewayFails) {
  admin.gateways["hz1"].serving = false;
  admin.gateways["hz2"].backends = 0;
  CutoverResult result = run({});
  EXPECT_EQ(result.outcome, Outcome::aborted);
  EXPECT_EQ(result.reason,
            "pre-check target-serving failed: no serving gateway with a live backend in unit(s): center");
}

TEST_F(CutoverWorkflowTest, CapacityHeadroomCountsIncomingClients) {
  admin.gateways["hz1"].max_connections = 10;
  admin.gateways["hz2"].max_connections = 10;  // center: 20 live of 20 max, plus 5 incoming from bj1
  CutoverResult result = run({});
  EXPECT_EQ(result.outcome, Outcome::aborted);
  EXPECT_EQ(result.reason,
            "pre-check capacity-headroom failed: not enough headroom: center would hold 25 of 20 connections");
}

TEST_F(CutoverWorkflowTest, VersionMismatchFailsSameVersion) {
  admin.gateways["bj1"].version = 2;
  CutoverResult result = run({});
  EXPECT_EQ(result.reason, "pre-check same-version failed: expected every gateway on version 1: bj1 is on version 2");
}

TEST_F(CutoverWorkflowTest, UnfencedAppliesUnitByUnitWithSkew) {
  Options options;
  options.fence = false;
  options.skew = 3s;
  CutoverResult result = run(options);
  EXPECT_EQ(result.outcome, Outcome::committed);
  std::vector<std::string> applied(admin.calls.begin() + 3, admin.calls.end());
  EXPECT_EQ(applied, (std::vector<std::string>{"prepare hz1 v2", "commit hz1 v2", "prepare hz2 v2", "commit hz2 v2",
                                               "prepare bj1 v2", "commit bj1 v2"}));
  EXPECT_EQ(admin.clock, 3s);
  EXPECT_EQ(result.steps[6].at, 0s);
  EXPECT_EQ(result.steps[7].at, 3s);
}

TEST_F(CutoverWorkflowTest, TargetVersionMustBeNext) {
  CutoverWorkflow workflow(refs, rules(1, 5997), rules(5, 6380), {}, admin);
  CutoverResult result = workflow.plan();
  EXPECT_EQ(result.outcome, Outcome::aborted);
  EXPECT_EQ(result.reason, "pre-check rules-valid failed: target version 5 is not baseline version 1 + 1");
}

}  // namespace
}  // namespace wsfo::cutover
