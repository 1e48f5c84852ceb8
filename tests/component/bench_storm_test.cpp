// `wsfo bench storm` with a tiny fleet: both proxies' nodes are started, the
// fleet connects through node A, A is killed and every client comes back
// through the survivors; the table has both proxies' figures. Timing
// belongs to the benchmark, not to a test: no figure is compared with a target.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

#include "tests/support/bench_table.hpp"
#include "tests/support/wsfo_command.hpp"

namespace {

using namespace std::chrono_literals;

wsfo::test_support::CommandRun run_storm(const std::vector<std::string>& flags) {
  std::vector<std::string> args{"bench", "storm"};
  args.insert(args.end(), flags.begin(), flags.end());
  return wsfo::test_support::run_wsfo(args, 90s);
}

void expect_ratio_row(const std::string& out, const std::string& metric) {
  wsfo::test_support::expect_ratio_row(out, metric, "ms|s|MiB");
}

TEST(BenchStorm, TinyStormEveryClientComesBackThroughEitherProxy) {
  auto run = run_storm({"--clients", "200", "--rounds", "1", "--survivors", "2", "--backends", "2"});
  ASSERT_TRUE(run.status.exited) << run.status.describe() << "\n" << run.out << run.err;
  EXPECT_EQ(run.status.code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("command: "), std::string::npos);
  EXPECT_NE(run.out.find("200 clients, node A killed, 2 surviving nodes: medians over 1 round;"), std::string::npos)
      << run.out;
  for (const char* peer : {"wsfo", "nginx"}) {
    std::regex storm(std::string("  ") + peer + R"(: 200 clients through node A [^\n]*A killed; 200 of 200 back )");
    EXPECT_TRUE(std::regex_search(run.out, storm)) << peer << " storm line missing in:\n" << run.out;
  }
  expect_ratio_row(run.out, "time to 50% re-homed");
  expect_ratio_row(run.out, "time to 99% re-homed");
  expect_ratio_row(run.out, "time to 100% re-homed");
  expect_ratio_row(run.out, "reconnect handshake p50");
  expect_ratio_row(run.out, "reconnect handshake p99");
  expect_ratio_row(run.out, "survivors' peak RSS");
  EXPECT_TRUE(std::regex_search(run.out, std::regex(R"(never came back\s+0\s+0\s+-\s+-\s+-\n)"))) << run.out;
  EXPECT_TRUE(std::regex_search(run.out, std::regex(R"(failed attempts\s+[0-9]+\s+[0-9]+\s)"))) << run.out;
  EXPECT_EQ(run.out.find("problem:"), std::string::npos) << run.out;
  // On a pipe, no status line (progress_terminal_test.cpp has the terminal).
  EXPECT_EQ(run.out.find('\r'), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("bench storm:"), std::string::npos) << run.out;
}

TEST(BenchStorm, BadFlagsExitTwoSayingWhich) {
  for (auto flags : std::vector<std::vector<std::string>>{{"--clients", "0"},
                                                          {"--clients", "5000,,9000"},
                                                          {"--clients", "many"},
                                                          {"--clients", "20000"},
                                                          {"--rounds", "0"},
                                                          {"--survivors", "9"},
                                                          {"--backends", "0"},
                                                          {"--window", "soon"},
                                                          {"--attempt-timeout", "1ms"},
                                                          {"--nginx", "/nonexistent/nginx"}}) {
    auto run = run_storm(flags);
    ASSERT_TRUE(run.status.exited) << flags[0];
    EXPECT_EQ(run.status.code, 2) << flags[0] << " " << flags[1] << "\n" << run.err;
    EXPECT_NE(run.err.find("wsfo bench storm: " + flags[0] + ":"), std::string::npos) << run.err;
  }
}

TEST(BenchStorm, APartThatFailsToStartExitsTwoNamingIt) {
  // wsfo's storm runs first in round 1; the nginx "binary" then exits at once.
  auto run = run_storm({"--clients", "20", "--rounds", "1", "--backends", "1", "--nginx", "/bin/false"});
  ASSERT_TRUE(run.status.exited) << run.status.describe();
  EXPECT_EQ(run.status.code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("nginx node A failed to start"), std::string::npos) << run.err;
}

}  // namespace
