// Message traffic in `wsfo simulate` (docs/simulate.md, "Message traffic"):
// `announce: all` costs the gateways more CPU than `self` and slows a
// cutover's reconnects (its announcements queue before the burst's
// handshakes on the gateway's one CPU queue); --max-connections gives the
// gateway's 503; a saturated gateway's heartbeat clients end with
// pong_timeout; the history stays byte-identical for one seed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/test_files.hpp"

namespace sim_traffic_test {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSeed = std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-msha-cutover.json";

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("wsfo-sim-traffic-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir;
}

using wsfo::test_support::slurp;

// The seed scenario with every backend's announce mode and the gateway's
// cost per message (and per handshake) set; written next to `dir`.
fs::path seed_with(const fs::path& dir, const std::string& announce, const std::string& message_cpu,
                   const std::string& handshake_cpu = "200us") {
  json scenario = json::parse(slurp(kSeed));
  for (auto& unit : scenario["units"])
    for (auto& backend : unit["backends"]) {
      backend["announce"] = announce;
      backend["broadcast_interval"] = "1s";
    }
  scenario["simulation"]["gateway_cpu"]["message"] = message_cpu;
  scenario["simulation"]["gateway_cpu"]["handshake"] = handshake_cpu;
  fs::path file = dir.string() + ".json";
  std::ofstream(file) << scenario.dump(2);
  return file;
}

// `wsfo simulate` (bounded by timeout(1)); the exit status, -1 when killed.
int simulate(const fs::path& scenario, const fs::path& dir, const std::string& extra = "") {
  std::string command = "timeout 120 " + std::string(WSFO_BINARY) + " simulate " + scenario.string() +
                        " --report-dir " + dir.string() + " " + extra + " > " + dir.string() + ".log 2>&1";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double total_gateway_cpu(const json& capacity) {
  double total = 0;
  for (const auto& node : capacity["nodes"])
    for (double cpu : node["cpu_per_s"]) total += cpu;
  return total;
}

// The cutover's reconnect latency percentile ("p50", "p99") from report.json.
std::int64_t cutover_reconnect(const json& report, const std::string& percentile) {
  for (const auto& e : report["events"])
    if (e["action"] == "cutover") return e["reconnect_ns"].value(percentile, std::int64_t{-1});
  return -1;
}

std::size_t count_lines(const fs::path& history, const std::string& needle) {
  std::ifstream in(history);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) n += line.find(needle) != std::string::npos;
  return n;
}

// With this machine's calibrated costs (300 us per handshake, 10 us per
// relayed message): live, `all` slows the cutover's reconnects from p50
// 1.56 s / p99 1.79 s to 1.76 s / 2.10 s; each of the 104 reconnecting
// clients' announcement reaches about a thousand clients, relayed before
// the rest of the burst's handshakes.
TEST(SimTraffic, AnnounceAllCostsMoreGatewayCpuAndSlowsTheCutover) {
  fs::path self = scratch("self"), all = scratch("all");
  ASSERT_EQ(simulate(seed_with(self, "self", "10us", "300us"), self), 0) << slurp(self.string() + ".log");
  ASSERT_GE(simulate(seed_with(all, "all", "10us", "300us"), all), 0) << slurp(all.string() + ".log");
  json cheap = json::parse(slurp(self / "capacity.json"));
  json dear = json::parse(slurp(all / "capacity.json"));
  EXPECT_GT(total_gateway_cpu(dear), 2 * total_gateway_cpu(cheap));
  json quick = json::parse(slurp(self / "report.json"));
  json slow = json::parse(slurp(all / "report.json"));
  ASSERT_GT(cutover_reconnect(quick, "p50"), 0);
  EXPECT_GT(cutover_reconnect(slow, "p50"), cutover_reconnect(quick, "p50") + 100'000'000);
  EXPECT_GT(cutover_reconnect(slow, "p99"), cutover_reconnect(quick, "p99") + 200'000'000);
  // Within the live ballpark: not seconds slower.
  EXPECT_LT(cutover_reconnect(slow, "p99"), cutover_reconnect(quick, "p99") + 1'000'000'000);
  // The figures the sweep reads are there.
  EXPECT_TRUE(dear["backends"].at(0).contains("peak_cpu"));
  EXPECT_TRUE(dear["links"].at(0).contains("peak_utilisation"));
  EXPECT_GT(dear["nodes"].at(0)["peak_messages_relayed_per_s"].get<std::uint64_t>(), 0u);
}

TEST(SimTraffic, ConnectionsOverMaxConnectionsGetThe503) {
  fs::path dir = scratch("limit");
  ASSERT_GE(simulate(seed_with(dir, "self", "5us"), dir, "--max-connections 500"), 0) << slurp(dir.string() + ".log");
  EXPECT_GT(count_lines(dir / "history.jsonl", "too many connections (limit 500)"), 0u);
}

// 400 us per relayed message: the broadcasts and pings of the seed's
// clients, pinging every second with a 3 s timeout, are more than one CPU:
// the queue grows past the timeout and the clients that ping then end with
// pong_timeout, as live.
TEST(SimTraffic, ASaturatedGatewaysHeartbeatClientsEndWithPongTimeout) {
  fs::path dir = scratch("saturated");
  fs::path file = seed_with(dir, "self", "400us");
  json scenario = json::parse(slurp(file));
  for (auto& group : scenario["clients"])
    if (group.contains("heartbeat")) group["heartbeat"] = {{"interval", "1s"}, {"timeout", "3s"}};
  std::ofstream(file) << scenario.dump(2);
  ASSERT_GE(simulate(file, dir), 0) << slurp(dir.string() + ".log");
  EXPECT_GT(count_lines(dir / "history.jsonl", "\"cause\":\"pong_timeout\""), 0u);
  EXPECT_GT(count_lines(dir / "history.jsonl", "\"ping_rtt_max_ns\""), 0u);
}

// The same clients with 10 us per message: the queue stays short, nobody
// times out.
TEST(SimTraffic, AGatewayWithHeadroomTimesNobodyOut) {
  fs::path dir = scratch("headroom");
  fs::path file = seed_with(dir, "self", "10us");
  json scenario = json::parse(slurp(file));
  for (auto& group : scenario["clients"])
    if (group.contains("heartbeat")) group["heartbeat"] = {{"interval", "1s"}, {"timeout", "3s"}};
  std::ofstream(file) << scenario.dump(2);
  ASSERT_EQ(simulate(file, dir), 0) << slurp(dir.string() + ".log");
  EXPECT_EQ(count_lines(dir / "history.jsonl", "\"cause\":\"pong_timeout\""), 0u);
}

TEST(SimTraffic, SameSeedSameHistoryWithTraffic) {
  fs::path a = scratch("det-a"), b = scratch("det-b");
  ASSERT_GE(simulate(seed_with(a, "all", "20us"), a, "--seed 5"), 0);
  ASSERT_GE(simulate(seed_with(b, "all", "20us"), b, "--seed 5"), 0);
  EXPECT_EQ(slurp(a / "history.jsonl"), slurp(b / "history.jsonl"));
}


std::uint64_t closed_over_cap(const json& capacity) {
  std::uint64_t total = 0;
  for (const auto& node : capacity["nodes"]) total += node["handshakes_closed_over_cap"].get<std::uint64_t>();
  return total;
}

// The seed's 3,203 clients dial at the start; at 2 ms of CPU per handshake a
// node gets more than the gateway's default cap of 1,000 handshakes in
// progress waiting for its CPU, for longer than the default 1 s after which
// the live gateway closes the oldest of them unanswered to make room: each
// such client writes the live client's `rejected` event (bad_http, the end
// of stream before any answer) and retries. At 50 us the CPU keeps up with
// the dialing (spread over the start) and nothing is closed.
TEST(SimTraffic, HandshakesOverTheCapInProgressAreClosedUnanswered) {
  fs::path slow = scratch("cap-slow"), quick = scratch("cap-quick");
  ASSERT_GE(simulate(seed_with(slow, "self", "5us", "2ms"), slow), 0) << slurp(slow.string() + ".log");
  ASSERT_GE(simulate(seed_with(quick, "self", "5us", "50us"), quick), 0) << slurp(quick.string() + ".log");
  const std::uint64_t closed = closed_over_cap(json::parse(slurp(slow / "capacity.json")));
  EXPECT_GT(closed, 0u);
  EXPECT_EQ(count_lines(slow / "history.jsonl", "\"bad_http\""), closed);
  EXPECT_EQ(count_lines(slow / "history.jsonl", ": end of stream\""), closed);
  EXPECT_NE(slurp(slow.string() + ".log").find("closed over the handshake cap"), std::string::npos);
  EXPECT_EQ(closed_over_cap(json::parse(slurp(quick / "capacity.json"))), 0u);
  EXPECT_EQ(count_lines(quick / "history.jsonl", "\"bad_http\""), 0u);
}

}  // namespace sim_traffic_test
