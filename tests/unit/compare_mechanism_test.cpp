#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/compare/mechanism.hpp"

namespace wsfo::compare_mechanism_test {

using compare::Disconnect;
using compare::Fate;
using compare::Mechanism;
using compare::SideFate;
constexpr std::int64_t kS = 1'000'000'000;

SideFate stayed() { return {}; }

SideFate closed(const std::string& reason = "End of file") {
  SideFate f;
  f.fate = Fate::closed;
  f.disconnect = Disconnect{"node lost", reason, "network", 3 * kS};
  return f;
}

SideFate dead_noticed_by(const std::string& reason, const std::string& closed_by = "network") {
  SideFate f;
  f.fate = Fate::dead_noticed_late;
  f.dead_after_ns = 3 * kS;
  f.noticed_after_ns = 6 * kS;
  f.disconnect = Disconnect{"node lost", reason, closed_by, 6 * kS};
  return f;
}

SideFate dead_unnoticed() {
  SideFate f;
  f.fate = Fate::dead_unnoticed;
  f.dead_after_ns = 3 * kS;
  return f;
}

SideFate noticed_earlier_dead() {
  SideFate f = closed("no pong within 15000 ms of a ping");
  f.fate = Fate::noticed_earlier_dead;
  f.dead_since_event = 0;
  return f;
}

TEST(CompareMechanism, EachMechanismHasADistinctNameAndADefinitionAndUnexplainedComesLast) {
  std::set<std::string> names;
  for (Mechanism m : compare::all_mechanisms()) {
    names.insert(std::string(compare::to_string(m)));
    EXPECT_FALSE(compare::definition(m).empty()) << compare::to_string(m);
  }
  EXPECT_EQ(names.size(), compare::all_mechanisms().size());
  EXPECT_EQ(compare::all_mechanisms().back(), Mechanism::unexplained);
}

TEST(CompareMechanism, FatesDifferWhenOnlyOneSideDisconnectedOrOnlyOneWasLeftOnADeadConnection) {
  EXPECT_FALSE(compare::fates_differ(stayed(), stayed()));
  EXPECT_FALSE(compare::fates_differ(closed("End of file"), closed("Connection reset by peer")));
  EXPECT_FALSE(compare::fates_differ(closed(), noticed_earlier_dead()));  // both lost it in this window
  EXPECT_TRUE(compare::fates_differ(closed(), stayed()));
  EXPECT_TRUE(compare::fates_differ(closed(), dead_noticed_by("Connection reset by peer")));  // same window, silent
  EXPECT_TRUE(compare::fates_differ(dead_unnoticed(), stayed()));
  EXPECT_TRUE(compare::fates_differ(dead_unnoticed(), dead_noticed_by("Connection reset by peer")));
}

TEST(CompareMechanism, ALateResetOnOneSideAndAnImmediateCloseOnTheOtherIsResetByNewHolder) {
  EXPECT_EQ(compare::classify(dead_noticed_by("Connection reset by peer"), closed(), "start-gateway"),
            Mechanism::reset_by_new_holder);
  EXPECT_EQ(compare::classify(closed(), dead_noticed_by("Connection reset by peer"), "start-gateway"),
            Mechanism::reset_by_new_holder);
}

TEST(CompareMechanism, ALateNoticeThatIsNotAResetIsDetectedLate) {
  EXPECT_EQ(compare::classify(dead_noticed_by("no pong within 15000 ms of a ping", "client"), closed(), "kill"),
            Mechanism::silent_connection_detected_late);
  // A client that itself closed mentioning "reset" is not the network's reset.
  EXPECT_EQ(compare::classify(dead_noticed_by("reset by the test", "client"), closed(), "kill"),
            Mechanism::silent_connection_detected_late);
}

TEST(CompareMechanism, ANoticeAtALaterEventOfAConnectionLeftDeadEarlierIsDetectedLateThere) {
  EXPECT_EQ(compare::classify(stayed(), noticed_earlier_dead(), "backend-add"),
            Mechanism::silent_connection_detected_late);
  // The other side lost the connection here too: not a difference, and if asked, not this mechanism's case.
  EXPECT_EQ(compare::classify(closed(), dead_unnoticed(), "start-gateway"), Mechanism::silent_connection_undetected);
}

TEST(CompareMechanism, ADeadConnectionStillUnnoticedAtTheWindowsEndAgainstAnImmediateCloseIsUndetected) {
  EXPECT_EQ(compare::classify(dead_unnoticed(), closed(), "power-off"), Mechanism::silent_connection_undetected);
}

TEST(CompareMechanism, DeadOnBothSidesButNoticedOnOnlyOneWithinTheWindowIsNoticeTime) {
  EXPECT_EQ(compare::classify(dead_unnoticed(), dead_noticed_by("Connection reset by peer"), "start-gateway"),
            Mechanism::silent_connection_notice_time);
}

TEST(CompareMechanism, KeptOnOneSideAndClosedOnTheOtherIsAnOldNginxWorkerOnlyAtAReload) {
  EXPECT_EQ(compare::classify(stayed(), closed(), "backend-add"), Mechanism::kept_on_old_nginx_worker);
  EXPECT_EQ(compare::classify(closed(), stayed(), "backend-remove"), Mechanism::kept_on_old_nginx_worker);
  EXPECT_EQ(compare::classify(stayed(), closed(), "kill"), Mechanism::unexplained);
}

TEST(CompareMechanism, DifferencesNoRuleFitsAreUnexplained) {
  // A VIP moved on one stack only: one side dead, the other never disturbed.
  EXPECT_EQ(compare::classify(dead_unnoticed(), stayed(), "start-gateway"), Mechanism::unexplained);
  EXPECT_EQ(compare::classify(dead_noticed_by("Connection reset by peer"), stayed(), "start-gateway"),
            Mechanism::unexplained);
  // Closed at once on one side, kept on the other, outside a reload.
  EXPECT_EQ(compare::classify(closed(), stayed(), "stop-gateway"), Mechanism::unexplained);
}

}  // namespace wsfo::compare_mechanism_test
