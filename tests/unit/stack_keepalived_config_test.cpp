// keepalived.conf rendered from a scenario's VIPs, checked as text and by
// keepalived itself (`keepalived -t`), and the track script's nginx check.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/scenario/scenario_loader.hpp"
#include "core/stack/keepalived_config.hpp"
#include "process/child_process.hpp"

namespace stack_keepalived_config_test {

using namespace wsfo;
using namespace std::chrono_literals;

constexpr const char* kKeepalived = "/usr/sbin/keepalived";

scenario::Scenario load_seed() {
  auto loaded = scenario::load_scenario_file(std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-keepalived-ha.json");
  EXPECT_TRUE(loaded.scenario.has_value());
  return loaded.scenario.value_or(scenario::Scenario{});
}

std::string to_benchmark_range(const std::string& address) {
  return std::regex_replace(address, std::regex(R"(^127\.\d+\.)"), "198.18.");
}

stack::KeepalivedFiles files() {
  stack::KeepalivedFiles f;
  f.notify_command = "/usr/bin/wsfo vip-notify --events /run/wsfo/events/vip.jsonl --node server1 --state-dir /run/x";
  f.check_command = stack::nginx_check_command("/run/wsfo/server1/nginx.pid");
  return f;
}

std::string render(const scenario::Scenario& s, const std::string& node, std::string& error,
                   const stack::KeepalivedFiles& with = files()) {
  return stack::render_keepalived_config(s, *s.find_node(node), to_benchmark_range, with, error);
}

// The block `vrrp_instance NAME { ... }` (instances hold nested blocks, but
// none deeper than one level).
std::string instance_block(const std::string& config, const std::string& name) {
  const auto start = config.find("vrrp_instance " + name + " {");
  if (start == std::string::npos) return {};
  return config.substr(start, config.find("\n}\n", start) - start);
}

int keepalived_test(const std::string& config, std::string& output) {
  const auto path =
      std::filesystem::path(::testing::TempDir()) / ("stack-keepalived-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(path) << config;
  process::ChildProcess tool({kKeepalived, "-t", "-f", path.string()});
  output = tool.read_stderr(10s);
  auto status = tool.wait_for_exit(10s);
  std::filesystem::remove(path);
  return status && status->exited ? status->code : -1;
}

TEST(StackKeepalivedConfig, SeedNodeCarriesBothVipsInOppositeRoles) {
  auto s = load_seed();
  std::string error;
  const std::string config = render(s, "server1", error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_NE(config.find("router_id server1"), std::string::npos);
  EXPECT_NE(config.find("script_user root"), std::string::npos);
  EXPECT_EQ(config.find("127.0.2."), std::string::npos) << "an unmapped address: " << config;

  const std::string vip110 = instance_block(config, "vip-110");
  const std::string vip112 = instance_block(config, "vip-112");
  ASSERT_FALSE(vip110.empty()) << config;
  ASSERT_FALSE(vip112.empty()) << config;
  EXPECT_NE(vip110.find("virtual_router_id 51\n"), std::string::npos);
  EXPECT_NE(vip110.find("priority 50\n"), std::string::npos);
  EXPECT_NE(vip112.find("virtual_router_id 52\n"), std::string::npos);
  EXPECT_NE(vip112.find("priority 100\n"), std::string::npos);
  for (const auto* block : {&vip110, &vip112}) {
    EXPECT_NE(block->find("state BACKUP\n"), std::string::npos);
    EXPECT_NE(block->find("interface eth0\n"), std::string::npos);
    EXPECT_NE(block->find("version 2\n"), std::string::npos);
    EXPECT_NE(block->find("advert_int 1\n"), std::string::npos);
    EXPECT_EQ(block->find("nopreempt"), std::string::npos);
    EXPECT_NE(block->find("unicast_src_ip 198.18.2.14\n"), std::string::npos);
    EXPECT_NE(block->find("unicast_peer {\n    198.18.2.15\n  }"), std::string::npos) << *block;
    EXPECT_NE(block->find("notify \"/usr/bin/wsfo vip-notify --events /run/wsfo/events/vip.jsonl --node server1 "
                          "--state-dir /run/x --vip 198.18.2.11"),
              std::string::npos)
        << *block;
  }
  EXPECT_NE(vip110.find("198.18.2.110/15 dev eth0\n"), std::string::npos);
  EXPECT_NE(vip112.find("198.18.2.112/15 dev eth0\n"), std::string::npos);
  EXPECT_NE(vip110.find("track_script {\n    gateway_of_vip-110\n  }"), std::string::npos) << vip110;
  // The track script, as keepalived reads it: interval, fall, rise, weight 0 (FAULT when down).
  EXPECT_TRUE(std::regex_search(config, std::regex("vrrp_script gateway_of_vip-110 \\{\n  script \"/bin/sh -c '[^\n]+"
                                                   "'\"\n  interval 2\n  fall 1\n  rise 1\n  weight 0\n\\}")))
      << config;

  const std::string server2 = render(s, "server2", error);
  EXPECT_NE(instance_block(server2, "vip-110").find("priority 100\n"), std::string::npos);
  EXPECT_NE(instance_block(server2, "vip-110").find("unicast_src_ip 198.18.2.15\n"), std::string::npos);
  EXPECT_NE(instance_block(server2, "vip-110").find("198.18.2.14\n"), std::string::npos);
}

TEST(StackKeepalivedConfig, VipSettingsReachTheInstance) {
  auto s = load_seed();
  auto& vip = s.units[0].vips[0];
  vip.preempt = false;
  vip.vrrp_version = 3;
  vip.advert_interval = 250ms;
  vip.track_gateway = scenario::GatewayTrack{3s, -20};
  s.units[0].vips[1].track_gateway.reset();
  std::string error;
  auto with = files();
  with.interface = "veth-s1";
  const std::string config = render(s, "server1", error, with);
  ASSERT_TRUE(error.empty()) << error;
  const std::string vip110 = instance_block(config, "vip-110");
  EXPECT_NE(vip110.find("nopreempt\n"), std::string::npos);
  EXPECT_NE(vip110.find("version 3\n"), std::string::npos);
  EXPECT_NE(vip110.find("advert_int 0.25\n"), std::string::npos);
  EXPECT_NE(vip110.find("198.18.2.110/15 dev veth-s1\n"), std::string::npos);
  EXPECT_NE(config.find("interval 3\n  fall 1\n  rise 1\n  weight -20\n"), std::string::npos) << config;
  const std::string vip112 = instance_block(config, "vip-112");
  EXPECT_EQ(vip112.find("track_script"), std::string::npos);
  EXPECT_EQ(config.find("gateway_of_vip-112"), std::string::npos);
}

TEST(StackKeepalivedConfig, RefusesWhatKeepalivedCannotExpress) {
  struct Case {
    std::function<void(scenario::Scenario&)> change;
    std::string node;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& s) { s.units[0].vips[0].track_gateway->interval = 1500ms; }, "server1",
       "VIP vip-110: track_gateway interval 1.5 s is not a whole number of seconds"},
      {[](auto& s) { s.units[0].vips[0].track_gateway->weight = 254; }, "server1",
       "VIP vip-110: track_gateway weight 254 is outside keepalived's vrrp_script range -253..253"},
      {[](auto& s) { s.units[0].vips[0].advert_interval = 1500ms; }, "server1",
       "VIP vip-110: advert_int 1.5000 s must be whole seconds"},
      {[](auto& s) { s.units[0].vips[1].name = "vip 112"; }, "server1", "VIP name \"vip 112\" contains 0x20"},
      {[](auto& s) {
         for (auto& vip : s.units[0].vips) vip.priorities = {{"server2", 100}};
       },
       "server1", "node server1 is listed in no VIP's priorities"},
  };
  for (const auto& c : cases) {
    auto s = load_seed();
    c.change(s);
    std::string error;
    EXPECT_EQ(render(s, c.node, error), "");
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
  }
  auto s = load_seed();
  std::string error;
  auto no_check = files();
  no_check.check_command.clear();
  EXPECT_EQ(render(s, "server1", error, no_check), "");
  EXPECT_NE(error.find("tracks the gateway, but no check command"), std::string::npos) << error;
  auto multi_line = files();
  multi_line.notify_command += "\nvrrp_instance x {";
  EXPECT_EQ(render(s, "server1", error, multi_line), "");
  EXPECT_NE(error.find("the notify command contains a control character"), std::string::npos) << error;
  auto nothing = [](const std::string&) { return std::string(); };
  EXPECT_EQ(stack::render_keepalived_config(s, *s.find_node("server1"), nothing, files(), error), "");
  EXPECT_NE(error.find("node server1 address 127.0.2.14 has no mapped address"), std::string::npos) << error;
}

TEST(StackKeepalivedConfig, KeepalivedAcceptsTheRenderedConfigs) {
  if (!std::filesystem::exists(kKeepalived)) GTEST_SKIP() << kKeepalived << " is missing (Debian package keepalived)";
  auto s = load_seed();
  std::string error, output;
  for (const char* node : {"server1", "server2"}) {
    const std::string config = render(s, node, error);
    ASSERT_TRUE(error.empty()) << error;
    EXPECT_EQ(keepalived_test(config, output), 0) << output << "\n" << config;
    EXPECT_EQ(output, "") << config;
  }
  auto& vip = s.units[0].vips[0];
  vip.preempt = false;
  vip.vrrp_version = 3;
  vip.advert_interval = 250ms;
  vip.track_gateway = scenario::GatewayTrack{3s, -20};
  s.units[0].vips[1].track_gateway.reset();
  const std::string variant = render(s, "server1", error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(keepalived_test(variant, output), 0) << output << "\n" << variant;
  EXPECT_EQ(output, "") << variant;
}

// The check command as keepalived runs it: its words are `/bin/sh -c SCRIPT`.
int run_check(const std::string& pid_file) {
  const std::string command = stack::nginx_check_command(pid_file);
  const std::string prefix = "/bin/sh -c '";
  EXPECT_EQ(command.rfind(prefix, 0), 0u) << command;
  EXPECT_EQ(command.back(), '\'') << command;
  const std::string script = command.substr(prefix.size(), command.size() - prefix.size() - 1);
  process::ChildProcess shell({"/bin/sh", "-c", script});
  auto status = shell.wait_for_exit(5s);
  return status && status->exited ? status->code : -1;
}

TEST(StackKeepalivedConfig, NginxCheckFailsWithoutALiveNginxBehindThePidFile) {
  const auto pid_file = std::filesystem::path(::testing::TempDir()) / ("stack-check-" + std::to_string(::getpid()));
  EXPECT_NE(run_check(pid_file.string()), 0) << "no pid file";
  std::ofstream(pid_file) << ::getpid() << "\n";  // alive, but not nginx
  EXPECT_NE(run_check(pid_file.string()), 0) << "a process that is not nginx";
  std::ofstream(pid_file, std::ios::trunc) << "\n";
  EXPECT_NE(run_check(pid_file.string()), 0) << "an empty pid file";
  std::filesystem::remove(pid_file);
  // The live-nginx and stale-pid cases run against real nginx in
  // tests/component/stack_nginx_test.cpp.
}

}  // namespace stack_keepalived_config_test
