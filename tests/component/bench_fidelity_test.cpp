// `wsfo bench fidelity` end to end on a tiny point (30 clients, a node kill):
// it plays the point live and simulated, prints one row per figure with the
// live and simulated values, writes fidelity.json; a run that cannot be made
// (its gateway's port is taken) is reported as such with exit 2, never as a
// figure; bad flags exit 2. Off a terminal, no status line.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/support/test_files.hpp"
#include "tests/support/tiny_fidelity_point.hpp"

namespace wsfo {
namespace bench_fidelity_test {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  // One directory per test, removed by the test: nothing is left in the temp directory.
  fs::path dir = fs::temp_directory_path() / ("wsfo-fidelity-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

using wsfo::test_support::slurp;

// Runs `wsfo bench fidelity ARGS` (bounded by timeout(1)); the exit status, its output in `output`.
int fidelity(const std::string& args, const fs::path& log, std::string& output) {
  std::string command =
      "timeout 150 " + std::string(WSFO_BINARY) + " bench fidelity " + args + " > " + log.string() + " 2>&1";
  int status = std::system(command.c_str());
  output = slurp(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

using test_support::write_tiny_fidelity_point;

TEST(BenchFidelity, TinyPointPrintsEveryFigureLiveAndSimulated) {
  fs::path dir = scratch("tiny");
  write_tiny_fidelity_point(dir / "points", "69");
  std::string out;
  int code = fidelity("--runs 1 --points-dir " + (dir / "points").string() + " --report-dir " + (dir / "runs").string(),
                      dir / "out.log", out);
  // 0 or 1: the figures of one live run against the model may miss on a busy machine; the table must be whole.
  EXPECT_TRUE(code == 0 || code == 1) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << "a status line in a file:\n" << out;
  for (const char* figure :
       {"disconnected", "back_99_s", "storm_handshake_p99_ms", "storm_failed_attempts", "storm_handshake_timeouts"}) {
    // point, figure, live min, median, max (numbers: the live run reported it), simulated, ratio, within.
    std::regex row(std::string("\\ntiny +") + figure +
                   " +[0-9.e+-]+ +[0-9.e+-]+ +[0-9.e+-]+ +[0-9.e+-]+ +\\S+ +(yes|no)\\n");
    EXPECT_TRUE(std::regex_search(out, row)) << figure << " row missing or without figures:\n" << out;
  }
  EXPECT_TRUE(std::regex_search(out, std::regex("\\ntiny +saturated +no \\(0/1\\) +no +match\\n"))) << out;
  auto document = nlohmann::json::parse(slurp(dir / "runs" / "fidelity.json"));
  ASSERT_EQ(document["points"].size(), 1u);
  const auto& disconnected = document["points"][0]["figures"][0];
  EXPECT_EQ(disconnected["figure"], "disconnected");
  // The kill of one of 3 nodes drops some of the 30 clients (a third on average: each dial picks a node), not all.
  EXPECT_GE(disconnected["live_median"].get<double>(), 1);
  EXPECT_LE(disconnected["live_median"].get<double>(), 20);
  EXPECT_GE(disconnected["simulated"].get<double>(), 1);
  EXPECT_LE(disconnected["simulated"].get<double>(), 20);
  // The live run directory has what the runner read: its processes' CPU.
  auto processes = nlohmann::json::parse(slurp(dir / "runs" / "tiny" / "live-1" / "processes.json"));
  EXPECT_EQ(processes["backends"].size(), 4u);
  EXPECT_GE(processes["processes"].size(), 7u);  // 3 gateways (one killed), 4 backends, the clients
  fs::remove_all(dir);
}

TEST(BenchFidelity, ARunThatCannotStartIsReportedNotFigured) {
  fs::path dir = scratch("unmade");
  write_tiny_fidelity_point(dir / "points", "79");
  // Hold the address of the tiny point's second gateway: it cannot listen, so the live run is not made.
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  int one = 1;
  ::setsockopt(holder, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(8020);
  ::inet_pton(AF_INET, "127.79.1.2", &address.sin_addr);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  std::string out;
  int code = fidelity("--runs 2 --points-dir " + (dir / "points").string() + " --report-dir " + (dir / "runs").string(),
                      dir / "out.log", out);
  ::close(holder);
  EXPECT_EQ(code, 2) << out;  // a run could not be made
  EXPECT_NE(out.find("NOT MADE tiny: wsfo run tiny: exit code 2"), std::string::npos) << out;
  EXPECT_EQ(out.find("live run 2 of 2"), std::string::npos) << "stops at the first run that could not be made\n" << out;
  EXPECT_FALSE(std::regex_search(out, std::regex("\\ntiny +disconnected"))) << out;
  fs::remove_all(dir);
}

TEST(BenchFidelity, BadFlagsAreUsageErrorsAndAMissingFolderIsAFileError) {
  fs::path dir = scratch("usage");
  std::string out;
  EXPECT_EQ(fidelity("--points no-such-point --report-dir " + dir.string(), dir / "a.log", out), 2);
  EXPECT_NE(out.find("no point \"no-such-point\""), std::string::npos) << out;
  EXPECT_NE(out.find("storm-2k"), std::string::npos) << "the known points are listed\n" << out;
  EXPECT_EQ(fidelity("--runs 0", dir / "b.log", out), 2) << out;
  EXPECT_EQ(fidelity("--points-dir " + (dir / "none").string(), dir / "c.log", out), 3) << out;  // a missing folder
  EXPECT_NE(out.find("cannot read"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace bench_fidelity_test
}  // namespace wsfo
