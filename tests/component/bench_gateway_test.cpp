// `wsfo bench gateway` with tiny numbers: both proxies are started, driven
// and measured, and the table has a figure for each. The targets are not
// asserted: timing belongs to the benchmark, not to a test.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

#include "tests/support/bench_table.hpp"
#include "tests/support/wsfo_command.hpp"

namespace {

using namespace std::chrono_literals;

wsfo::test_support::CommandRun run_bench(const std::vector<std::string>& flags) {
  std::vector<std::string> args{"bench", "gateway"};
  args.insert(args.end(), flags.begin(), flags.end());
  return wsfo::test_support::run_wsfo(args, 90s);
}

void expect_row(const std::string& out, const std::string& metric) {
  wsfo::test_support::expect_ratio_row(out, metric, "/s|ms|KiB");
}

TEST(BenchGateway, TinyRunPrintsBothColumns) {
  auto run = run_bench({"--connections", "20", "--idle-connections", "50", "--duration", "1s", "--session-duration",
                        "500ms", "--backends", "2", "--rounds", "1"});
  ASSERT_TRUE(run.status.exited) << run.status.describe() << "\n" << run.out;
  EXPECT_EQ(run.status.code, 0) << run.out;
  EXPECT_NE(run.out.find("command: "), std::string::npos);
  EXPECT_NE(run.out.find("wsfo/nginx"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("round 1 wsfo/nginx: throughput "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("medians over 1 round;"), std::string::npos) << run.out;
  expect_row(run.out, "echo round trips/s");
  expect_row(run.out, "echo latency p50");
  expect_row(run.out, "echo latency p99");
  expect_row(run.out, "new sessions/s");
  EXPECT_NE(run.out.find("RSS per idle connection (50)"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("problem:"), std::string::npos) << run.out;
  // On a pipe, no status line (progress_terminal_test.cpp has the terminal).
  EXPECT_EQ(run.out.find('\r'), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("bench gateway:"), std::string::npos) << run.out;
}

// Both proxies terminate TLS; every session verifies the bench CA's certificate.
TEST(BenchGateway, TinyTlsRunMeasuresTlsSessionsOfBothProxies) {
  auto run = run_bench({"--tls", "--session-duration", "500ms", "--session-concurrency", "8", "--backends", "2",
                        "--rounds", "1"});
  ASSERT_TRUE(run.status.exited) << run.status.describe() << "\n" << run.out;
  EXPECT_EQ(run.status.code, 0) << run.out;
  EXPECT_NE(run.out.find("TLS: both proxies terminate it with OpenSSL 3."), std::string::npos) << run.out;
  expect_row(run.out, "TLS sessions/s");
  expect_row(run.out, "TLS session latency p99");
  expect_row(run.out, "proxy CPU per TLS session");
  EXPECT_EQ(run.out.find("echo round trips/s"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("problem:"), std::string::npos) << run.out;
}

TEST(BenchGateway, BadFlagsExitTwo) {
  for (auto flags : std::vector<std::vector<std::string>>{{"--duration", "soon"},
                                                          {"--connections", "0"},
                                                          {"--nginx", "/nonexistent/nginx"},
                                                          {"--tls", "--connections", "10"}}) {
    auto run = run_bench(flags);
    ASSERT_TRUE(run.status.exited);
    EXPECT_EQ(run.status.code, 2) << flags[0];
  }
}

}  // namespace
