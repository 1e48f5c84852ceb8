// Progress where people wait: on a pseudo-terminal, `wsfo simulate` and the
// benches show a line refreshed in place (a "\r" before its text) saying what
// they are doing, erased before what follows; on a pipe, none of it. Each
// command runs with the smallest arguments its own test uses. The pipe side
// of `bench gateway`, `bench storm` and `bench fidelity` is in their own
// tests, which run them on a pipe anyway; `bench takeover` needs network
// namespaces: tests/netns/takeover_bench_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>

#include "tests/support/terminal_run.hpp"
#include "tests/support/test_files.hpp"
#include "tests/support/tiny_fidelity_point.hpp"
#include "tests/support/wsfo_command.hpp"

namespace wsfo::progress_terminal_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::run_on_a_terminal;
using test_support::run_wsfo;
using test_support::slurp;

constexpr std::chrono::seconds kLimit{90};

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("wsfo-progress-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> wsfo(std::vector<std::string> args) {
  args.insert(args.begin(), WSFO_BINARY);
  return args;
}

void expect_shown(const std::string& out, const std::string& text) {
  EXPECT_NE(out.find(text), std::string::npos) << "not on the terminal: \"" << text << "\"; it got:\n" << out;
}

// The last status line starting with `prefix` is erased (spaces over it)
// before `next` is written.
void expect_erased_before(const std::string& out, const std::string& prefix, const std::string& next) {
  const auto last = out.rfind("\r" + prefix);
  ASSERT_NE(last, std::string::npos) << out;
  const auto after = out.find(next, last);
  ASSERT_NE(after, std::string::npos) << "no \"" << next << "\" after the last status line:\n" << out;
  EXPECT_NE(out.substr(last + 1, after - last).find("\r" + std::string(prefix.size(), ' ')), std::string::npos)
      << "the status line is not erased before \"" << next << "\":\n"
      << out;
}

TEST(SimulateProgress, ShownInPlaceOnATerminalAndNotOnAPipe) {
  fs::path root = scratch("simulate");
  const std::string scenario = std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-msha-cutover.json";
  auto terminal = run_on_a_terminal(wsfo({"simulate", scenario, "--report-dir", (root / "tty").string()}), kLimit);
  EXPECT_TRUE(terminal.exited_with(0)) << terminal.out;
  expect_shown(terminal.out, "\rsimulate: 0.1 s of 40.0 s virtual, ");
  expect_shown(terminal.out, " of 3203 clients connected");
  expect_shown(terminal.out, "RESULT: PASS");

  auto piped = run_wsfo({"simulate", scenario, "--report-dir", (root / "pipe").string()}, kLimit);
  EXPECT_TRUE(piped.status.exited && piped.status.code == 0) << piped.err;
  EXPECT_EQ(piped.out.find("virtual"), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find('\r'), std::string::npos);
  // The progress only watches: the model played the same run.
  EXPECT_TRUE(slurp(root / "tty" / "history.jsonl") == slurp(root / "pipe" / "history.jsonl"));
  fs::remove_all(root);
}

TEST(BenchProgress, GatewayShowsTheRoundTheProxyAndTheTest) {
  auto run =
      run_on_a_terminal(wsfo({"bench", "gateway", "--connections", "20", "--idle-connections", "50", "--duration", "1s",
                              "--session-duration", "500ms", "--backends", "2", "--rounds", "1"}),
                        kLimit);
  EXPECT_TRUE(run.exited_with(0)) << run.out;
  expect_shown(run.out, "\rbench gateway: starting 2 backends, ");
  for (const char* proxy : {"wsfo", "nginx"}) {
    const std::string step = std::string("\rbench gateway: round 1 of 1, ") + proxy + ": ";
    expect_shown(run.out, step + "50 idle connections, ");
    expect_shown(run.out, step + "echo over 20 connections, ");
    expect_shown(run.out, step + "new sessions, 64 at a time, ");
  }
  expect_shown(run.out, "round 1 wsfo/nginx: throughput ");  // the bench's own lines, above the status line
  expect_erased_before(run.out, "bench gateway: ", "medians over 1 round;");
}

TEST(BenchProgress, StormShowsTheClientsConnectedAndBack) {
  auto run = run_on_a_terminal(
      wsfo({"bench", "storm", "--clients", "200", "--rounds", "1", "--survivors", "2", "--backends", "2"}), kLimit);
  EXPECT_TRUE(run.exited_with(0)) << run.out;
  for (const char* proxy : {"wsfo", "nginx"}) {
    const std::string step = std::string("\rbench storm: 200 clients, round 1 of 1, ") + proxy + ": ";
    expect_shown(run.out, step + "starting 3 nodes, ");
    expect_shown(run.out, step + "connecting through node A, ");
    expect_shown(run.out, step + "node A killed, ");
  }
  expect_shown(run.out, " of 200 clients connected, ");
  expect_shown(run.out, " disconnected clients back, ");
  expect_erased_before(run.out, "bench storm: ", "200 clients, node A killed, 2 surviving nodes: medians");
}

TEST(BenchProgress, FidelityShowsThePointAndTheRun) {
  fs::path dir = scratch("fidelity");
  test_support::write_tiny_fidelity_point(dir / "points", "113");
  auto run = run_on_a_terminal(wsfo({"bench", "fidelity", "--runs", "1", "--points-dir", (dir / "points").string(),
                                     "--report-dir", (dir / "runs").string()}),
                               kLimit);
  // 0 or 1: one live run against the model may miss on a busy machine; the progress is what is tested.
  EXPECT_TRUE(run.exited_with(0) || run.exited_with(1)) << run.out;
  expect_shown(run.out, "\rbench fidelity: tiny (point 1 of 1): simulated, ");
  expect_shown(run.out, "\rbench fidelity: tiny (point 1 of 1): live run 1 of 1, ");
  expect_shown(run.out, "tiny: live run 1 of 1 done");
  expect_erased_before(run.out, "bench fidelity: ", "runs and fidelity.json: ");
  fs::remove_all(dir);
}

TEST(BenchProgress, ClientsShowsTheIdleClientsConnectedOnATerminalAndNothingOnAPipe) {
  const std::vector<std::string> args{"bench",          "clients", "--clients",       "50",   "--backends", "1",
                                      "--rate-clients", "2",       "--rate-duration", "500ms"};
  // A narrow terminal: a status line wider than it would wrap and could not be redrawn in place.
  auto terminal = run_on_a_terminal(wsfo(args), kLimit, 60);
  // 0 or 1: a busy machine may miss the session rate target; the progress is what is tested.
  EXPECT_TRUE(terminal.exited_with(0) || terminal.exited_with(1)) << terminal.out;
  expect_shown(terminal.out, "\rbench clients: starting backend 2 of 2, ");
  expect_shown(terminal.out, "\rbench clients: 50 idle clients, ");
  expect_shown(terminal.out, " of 50 connected, ");
  // "bench clients: session rate, 2 clients for 500ms, N sessions, T s" is cut, the time kept.
  expect_shown(terminal.out, "\rbench clients: session rate, 2 clients for 500ms, ");
  std::size_t lines = 0;
  for (auto at = terminal.out.find("\rbench clients: "); at != std::string::npos;
       at = terminal.out.find("\rbench clients: ", at + 1), ++lines) {
    const std::string line = terminal.out.substr(at + 1, terminal.out.find_first_of("\r\n", at + 1) - at - 1);
    EXPECT_LE(line.size(), 59u) << "wider than the terminal: \"" << line << "\"";
    EXPECT_TRUE(std::regex_search(line, std::regex(", [0-9]+ s *$"))) << "no time at the end: \"" << line << "\"";
  }
  EXPECT_GT(lines, 3u) << terminal.out;
  expect_shown(terminal.out, "...,");
  expect_erased_before(terminal.out, "bench clients: ", "new WebSocket sessions per second");

  auto piped = run_wsfo(args, kLimit);
  EXPECT_TRUE(piped.status.exited && (piped.status.code == 0 || piped.status.code == 1)) << piped.err;
  EXPECT_NE(piped.out.find("idle: 50 clients connected"), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find('\r'), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find("bench clients:"), std::string::npos) << piped.out;
}

}  // namespace
}  // namespace wsfo::progress_terminal_test
