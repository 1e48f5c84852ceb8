#include <gtest/gtest.h>

#include "core/clients/backend_messages.hpp"
#include "core/clients/sequence_tracker.hpp"

namespace wsfo::clients {
namespace {

TEST(BackendMessages, WelcomeGivesTheLabel) {
  EXPECT_EQ(welcome_label("Welcome to the server!hangzhou"), "hangzhou");
  EXPECT_FALSE(welcome_label("Welcome to the server!"));
  EXPECT_FALSE(welcome_label("hangzhou new connection: /"));
}

TEST(BackendMessages, BroadcastWithAndWithoutPadding) {
  auto plain = parse_broadcast("42:hangzhou");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->seq, 42u);
  EXPECT_EQ(plain->label, "hangzhou");
  auto padded = parse_broadcast("7:beijing|xxxxxxxxxxxxxxxx");
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->seq, 7u);
  EXPECT_EQ(padded->label, "beijing");
}

TEST(BackendMessages, NotBroadcasts) {
  EXPECT_FALSE(parse_broadcast("hangzhou new connection: /"));
  EXPECT_FALSE(parse_broadcast("42"));
  EXPECT_FALSE(parse_broadcast("42:"));
  EXPECT_FALSE(parse_broadcast(":x"));
  EXPECT_FALSE(parse_broadcast("99999999999999999999:x"));  // more than 19 digits
}

TEST(BackendMessages, EchoOfWhatWasSent) {
  EXPECT_TRUE(is_echo_of("1700000000000:hangzhou", "1700000000000"));
  EXPECT_FALSE(is_echo_of("1700000000001:hangzhou", "1700000000000"));
  EXPECT_FALSE(is_echo_of("1700000000000:", "1700000000000"));
  EXPECT_FALSE(is_echo_of("5:hangzhou", ""));
}

TEST(SequenceTracker, CountsGapsPerBackend) {
  SequenceTracker tracker;
  EXPECT_EQ(tracker.observe("hangzhou", 10).missing, 0u);  // first number heard: no gap
  EXPECT_EQ(tracker.observe("hangzhou", 11).missing, 0u);
  EXPECT_EQ(tracker.observe("hangzhou", 15).missing, 3u);
  EXPECT_EQ(tracker.observe("beijing", 100).missing, 0u);
  EXPECT_EQ(tracker.observe("beijing", 102).missing, 1u);
  EXPECT_EQ(tracker.observe("hangzhou", 16).missing, 0u);
  EXPECT_EQ(tracker.total_missing(), 4u);
}

TEST(SequenceTracker, DuplicatesAreOutOfOrderNotGaps) {
  SequenceTracker tracker;
  tracker.observe("a", 5);
  auto again = tracker.observe("a", 5);
  EXPECT_TRUE(again.out_of_order);
  EXPECT_EQ(again.missing, 0u);
  EXPECT_TRUE(tracker.observe("a", 3).out_of_order);
  EXPECT_EQ(tracker.observe("a", 6).missing, 0u);  // the last good number is still 5
  EXPECT_EQ(tracker.total_out_of_order(), 2u);
}

TEST(SequenceTracker, ResetForgetsTheLastNumbers) {
  SequenceTracker tracker;
  tracker.observe("a", 5);
  tracker.reset();
  EXPECT_EQ(tracker.observe("a", 50).missing, 0u);  // what was sent while disconnected is not a gap
  EXPECT_EQ(tracker.total_missing(), 0u);
}

}  // namespace
}  // namespace wsfo::clients
