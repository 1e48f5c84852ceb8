// The checks `wsfo run` added for the regression suite (issue 5): bounce
// detection, the cutover outcome, every gateway on one version afterwards,
// and a failed timeline action.
#include <gtest/gtest.h>

#include "core/checks/history_checks.hpp"
#include "tests/support/history_events.hpp"

// Its own namespace: in a unity build this file may share a translation unit
// with history_checks_test.cpp, whose helpers have the same names.
namespace wsfo::checks::run_checks_test {
namespace {

using history::Event;
using history::Json;
constexpr std::int64_t ms = 1'000'000;

Event client_event(const char* kind, std::int64_t t, std::uint64_t id, Json fields) {
  return {kind, t, "clients-0", id, std::move(fields)};
}
Event connected(std::int64_t t, std::uint64_t id, const std::string& unit) {
  return test::connected_event(t, id, unit, unit + "-gw1");
}
Event closed(std::int64_t t, std::uint64_t id, const std::string& unit) {
  return client_event("disconnected", t, id,
                      Json{{"cause", "server_close"},
                           {"code", 4001},
                           {"reason", "moved"},
                           {"closed_by", "server"},
                           {"connected_ns", 1},
                           {"unit", unit}});
}
Event redirect(std::int64_t t, std::uint64_t id, const std::string& from, const std::string& to) {
  return client_event("redirect", t, id, Json{{"from", from}, {"to", to}, {"status", 302}});
}
Event attempt(std::int64_t t, std::uint64_t id) {
  return client_event("attempt", t, id, Json{{"url", "ws://websocket.msha.tech:8020/ws"}, {"attempt", 2}});
}

constexpr const char* kUnbj = "ws://unbj.websocket.msha.tech:8020/ws";
constexpr const char* kCenter = "ws://center.websocket.msha.tech:8020/ws";

class RunChecks : public ::testing::Test {
 protected:
  std::vector<std::uint64_t> population{6100, 8330};
  std::vector<Event> history;
  EventWindow window{0, "cutover", 1000 * ms, 10000 * ms, {}};

  Analysis run() {
    std::sort(history.begin(), history.end(), [](auto& a, auto& b) { return a.t_ns < b.t_ns; });
    EventWindow windows[] = {window};
    return analyse(history, windows, population, 10000);
  }
  Verdict only_verdict() {
    Analysis analysis = run();
    EXPECT_EQ(analysis.verdicts.size(), 1u);
    return analysis.verdicts.empty() ? Verdict{} : analysis.verdicts[0];
  }
};

TEST_F(RunChecks, RedirectedBackToAUrlItLeftIsABounce) {
  history.push_back(attempt(1100 * ms, 6100));
  history.push_back(redirect(1101 * ms, 6100, kUnbj, kCenter));
  history.push_back(redirect(1102 * ms, 6100, kCenter, kUnbj));
  window.expect.detects = {"bounce"};
  Analysis analysis = run();
  ASSERT_EQ(analysis.windows[0].bounces.size(), 1u);
  EXPECT_EQ(analysis.windows[0].bounces[0].router_id, 6100u);
  EXPECT_EQ(analysis.verdicts[0].status, Status::pass);
  EXPECT_NE(analysis.verdicts[0].evidence.find("bounced: 6100"), std::string::npos) << analysis.verdicts[0].evidence;
}

TEST_F(RunChecks, ServedByAThenBThenAIsABounce) {
  history.push_back(connected(1100 * ms, 6100, "unbj"));
  history.push_back(connected(1200 * ms, 6100, "center"));
  history.push_back(connected(1300 * ms, 6100, "unbj"));
  window.expect.detects = {"bounce"};
  EXPECT_EQ(only_verdict().status, Status::pass);
}

TEST_F(RunChecks, ClientsGivingUpAloopAreBounces) {
  history.push_back(client_event("rejected", 1100 * ms, 6100,
                                 Json{{"url", kUnbj}, {"error", "redirect_loop"}, {"reason", "redirect loop"}}));
  window.expect.detects = {"bounce"};
  EXPECT_EQ(only_verdict().status, Status::pass);
}

TEST_F(RunChecks, AnOrdinaryRedirectAndMoveIsNoBounce) {
  history.push_back(connected(100 * ms, 6100, "unbj"));  // before the window
  history.push_back(closed(1050 * ms, 6100, "unbj"));
  history.push_back(attempt(1100 * ms, 6100));
  history.push_back(redirect(1101 * ms, 6100, kUnbj, kCenter));
  history.push_back(connected(1102 * ms, 6100, "center"));
  history.push_back(closed(1150 * ms, 6100, "center"));
  history.push_back(attempt(1200 * ms, 6100));  // a new chain may pass the same URLs again
  history.push_back(redirect(1201 * ms, 6100, kUnbj, kCenter));
  history.push_back(connected(1202 * ms, 6100, "center"));
  window.expect.detects = {"bounce", "dual_service"};
  Verdict verdict = only_verdict();
  EXPECT_EQ(verdict.status, Status::fail);
  EXPECT_EQ(verdict.actual, "0 bounces, 0 dual service");
}

TEST_F(RunChecks, DualServiceSatisfiesDetectsDualService) {
  history.push_back(connected(1100 * ms, 6100, "unbj"));
  history.push_back(connected(1200 * ms, 6100, "center"));
  window.expect.detects = {"dual_service"};
  EXPECT_EQ(only_verdict().status, Status::pass);
  window.expect.detects = {"bounce"};  // not a bounce: A then B, never back
  history.clear();
  history.push_back(connected(1100 * ms, 6100, "unbj"));
  history.push_back(connected(1200 * ms, 6100, "center"));
  EXPECT_EQ(only_verdict().status, Status::fail);
}

TEST_F(RunChecks, CutoverOutcome) {
  window.expect.cutover = "aborted";
  EXPECT_EQ(only_verdict().status, Status::unknown);  // no cutover played
  window.cutover_outcome = "aborted";
  EXPECT_EQ(only_verdict().status, Status::pass);
  window.cutover_outcome = "committed";
  Verdict verdict = only_verdict();
  EXPECT_EQ(verdict.status, Status::fail);
  EXPECT_EQ(verdict.actual, "committed");
}

TEST_F(RunChecks, SameVersionNeedsEveryGatewayAnsweringOnOneVersion) {
  window.expect.same_version = true;
  EXPECT_EQ(only_verdict().status, Status::unknown);  // not collected
  window.versions_after = {{"center-gw1", 1}, {"unbj-gw1", 1}};
  EXPECT_EQ(only_verdict().status, Status::pass);
  window.versions_after = {{"center-gw1", 2}, {"unbj-gw1", 1}};
  Verdict verdict = only_verdict();
  EXPECT_EQ(verdict.status, Status::fail);
  EXPECT_EQ(verdict.actual, "v1: unbj-gw1; v2: center-gw1");
  window.versions_after = {{"center-gw1", 1}, {"unbj-gw1", std::nullopt}};
  verdict = only_verdict();
  EXPECT_EQ(verdict.status, Status::fail);
  EXPECT_EQ(verdict.actual, "v1: center-gw1; no answer: unbj-gw1");
}

TEST_F(RunChecks, AFailedActionFailsTheRun) {
  EXPECT_TRUE(run().passed());
  window.action_error = "backend unbj-app3: not ready within 10000 ms";
  Verdict verdict = only_verdict();
  EXPECT_EQ(verdict.check, "action");
  EXPECT_EQ(verdict.status, Status::fail);
  EXPECT_FALSE(run().passed());
}

// Issue 6: new clients reach a backend added by a reload. Only connections
// opened inside the event's window count, by the backend_name they name.
TEST_F(RunChecks, ReachBackendsCountsConnectionsOpenedInTheWindowByBackendName) {
  auto served_by = [](Event event, const std::string& name) {
    event.fields["backend_name"] = name;
    return event;
  };
  history.push_back(served_by(connected(500 * ms, 6100, "lb"), "app18-8030"));  // before the window
  history.push_back(served_by(connected(1200 * ms, 8330, "lb"), "app16"));
  window.expect.reach_backends = {"app16", "app18-8030"};
  Verdict verdict = only_verdict();
  EXPECT_EQ(verdict.check, "reach-backends");
  EXPECT_EQ(verdict.status, Status::fail);
  EXPECT_EQ(verdict.evidence, "never reached: app18-8030");
  EXPECT_EQ(verdict.actual, "app16: 1");

  history.push_back(served_by(connected(1300 * ms, 6100, "lb"), "app18-8030"));
  history.push_back(connected(1400 * ms, 6101, "lb"));  // names no backend: not counted
  verdict = only_verdict();
  EXPECT_EQ(verdict.status, Status::pass) << verdict.evidence;
  EXPECT_EQ(verdict.actual, "app16: 1, app18-8030: 1");
}

}  // namespace
}  // namespace wsfo::checks::run_checks_test
