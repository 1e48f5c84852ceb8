// nginx.conf rendered from a scenario: what the real-stack engine gives nginx,
// checked as text and by nginx itself (`nginx -t`).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/scenario/scenario_loader.hpp"
#include "core/stack/nginx_config.hpp"
#include "process/child_process.hpp"
#include "tls/certificates.hpp"

namespace stack_nginx_config_test {

using namespace wsfo;
using namespace std::chrono_literals;

constexpr const char* kNginx = "/usr/sbin/nginx";

scenario::Scenario load_seed() {
  auto loaded = scenario::load_scenario_file(std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-keepalived-ha.json");
  EXPECT_TRUE(loaded.scenario.has_value());
  return loaded.scenario.value_or(scenario::Scenario{});
}

// 127.a.b.c → 198.18.b.c: what the testbed's map looks like.
std::string to_benchmark_range(const std::string& address) {
  return std::regex_replace(address, std::regex(R"(^127\.\d+\.)"), "198.18.");
}

stack::NginxFiles files_in(const std::filesystem::path& dir) {
  return {dir.string(), (dir / "nginx.pid").string(), (dir / "error.log").string(), (dir / "access.log").string()};
}

std::string render(const scenario::Scenario& s, const std::string& node_name, const stack::NginxOptions& options,
                   std::string& error, const std::filesystem::path& dir = "/run/wsfo/server1") {
  const scenario::Unit* unit = s.unit_of_node(node_name);
  const scenario::Node* node = s.find_node(node_name);
  if (!unit || !node) throw std::runtime_error("no node " + node_name);
  return stack::render_nginx_config(*unit, *node, to_benchmark_range, files_in(dir), options, error);
}

struct ToolResult {
  int code = -1;
  std::string output;
};

// `nginx -t` on the text, in a fresh prefix directory removed afterwards.
ToolResult nginx_test(const std::string& config, const std::filesystem::path& dir) {
  std::ofstream(dir / "nginx.conf") << config;
  process::ChildProcess tool({kNginx, "-t", "-p", dir.string(), "-c", (dir / "nginx.conf").string()});
  ToolResult result;
  result.output = tool.read_stderr(10s);
  auto status = tool.wait_for_exit(10s);
  if (status && status->exited) result.code = status->code;
  return result;
}

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / (name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(StackNginxConfig, SeedNodeProxiesWebSocketsToTheMappedBackends) {
  auto s = load_seed();
  std::string error;
  const std::string config = render(s, "server1", {}, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_NE(config.find("daemon off;"), std::string::npos);
  EXPECT_NE(config.find("worker_processes 1;"), std::string::npos);
  EXPECT_NE(config.find("pid /run/wsfo/server1/nginx.pid;"), std::string::npos);
  EXPECT_NE(config.find("error_log /run/wsfo/server1/error.log notice;"), std::string::npos);
  EXPECT_NE(config.find("proxy_temp_path /run/wsfo/server1/proxy_temp;"), std::string::npos);
  // Wildcard: no address in front of the port.
  EXPECT_TRUE(std::regex_search(config, std::regex(R"(\n    listen 8020 backlog=\d+;)"))) << config;
  EXPECT_EQ(config.find("127.0.2."), std::string::npos) << "an unmapped address: " << config;
  for (const char* server : {"server 198.18.2.16:8010", "server 198.18.2.17:8010", "server 198.18.2.18:8010"})
    EXPECT_NE(config.find(server), std::string::npos) << server;
  for (const char* line :
       {"proxy_pass http://route_0;", "proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;", "proxy_next_upstream error timeout;",
        "proxy_read_timeout 60000ms;", "proxy_send_timeout 60000ms;", "proxy_set_header X-Wsfo-Node \"server1\";",
        "add_header X-Wsfo-Unit \"lb\" always;", "add_header X-Wsfo-Node \"server1\" always;",
        "map $http_upgrade $connection_upgrade"})
    EXPECT_NE(config.find(line), std::string::npos) << line;
  EXPECT_EQ(config.find("worker_shutdown_timeout"), std::string::npos);
  EXPECT_EQ(config.find("ip_hash"), std::string::npos);
}

TEST(StackNginxConfig, OptionsSetWorkersShutdownTimeoutAndConnectionsForTheClients) {
  auto s = load_seed();
  std::string error;
  stack::NginxOptions options;
  options.workers = 2;
  options.worker_shutdown_timeout = 1500ms;
  options.clients = 5000;
  const std::string config = render(s, "server2", options, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_NE(config.find("worker_processes 2;"), std::string::npos);
  EXPECT_NE(config.find("worker_shutdown_timeout 1500ms;"), std::string::npos);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(config, match, std::regex(R"(worker_connections (\d+);)")));
  EXPECT_GE(std::stoull(match[1]), 2u * 5000u);
  ASSERT_TRUE(std::regex_search(config, match, std::regex(R"(worker_rlimit_nofile (\d+);)")));
  EXPECT_GE(std::stoull(match[1]), 2u * 5000u);
  EXPECT_NE(config.find("add_header X-Wsfo-Node \"server2\" always;"), std::string::npos);
}

TEST(StackNginxConfig, AReloadedUnitCarriesTheAddedBackend) {
  auto s = load_seed();
  const auto* add = std::get_if<scenario::BackendAdd>(&s.timeline[3].action);
  ASSERT_NE(add, nullptr);
  ASSERT_EQ(scenario::apply_reload(s, *add), "");
  std::string error;
  const std::string config = render(s, "server2", {}, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_NE(config.find("server 198.18.2.18:8030"), std::string::npos) << config;
}

TEST(StackNginxConfig, ListensOnEveryPortOfTheVipsTheNodeCarries) {
  auto s = load_seed();
  s.units[0].vips[1].port = 8021;
  std::string error;
  const std::string with = render(s, "server1", {}, error);
  EXPECT_NE(with.find("listen 8021 "), std::string::npos);
  EXPECT_NE(with.find("listen 8020 "), std::string::npos);
  s.units[0].vips[1].priorities = {{"server2", 100}};
  EXPECT_EQ(render(s, "server1", {}, error).find("listen 8021 "), std::string::npos);
}

TEST(StackNginxConfig, TerminatesTlsOnEveryListenerWithTheNodesCertificate) {
  auto s = load_seed();
  s.units[0].vips[1].port = 8021;
  const scenario::Unit& unit = s.units[0];
  stack::NginxFiles files = files_in("/run/wsfo/server1");
  files.tls_certificate = "/run/wsfo/tls/server1.pem";
  files.tls_key = "/run/wsfo/tls/server1.key";
  std::string error;
  const std::string config = stack::render_nginx_config(unit, unit.nodes[0], to_benchmark_range, files, {}, error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_TRUE(std::regex_search(config, std::regex(R"(\n    listen 8020 ssl backlog=\d+;)"))) << config;
  EXPECT_TRUE(std::regex_search(config, std::regex(R"(\n    listen 8021 ssl backlog=\d+;)"))) << config;
  for (const char* line : {"ssl_certificate /run/wsfo/tls/server1.pem;", "ssl_certificate_key /run/wsfo/tls/server1.key;",
                           "ssl_protocols TLSv1.2 TLSv1.3;"})
    EXPECT_NE(config.find(line), std::string::npos) << line;
  // Plain without the files: no ssl anywhere.
  const std::string plain = render(s, "server1", {}, error);
  EXPECT_EQ(plain.find("ssl"), std::string::npos) << plain;
  files.tls_key.clear();
  EXPECT_EQ(stack::render_nginx_config(unit, unit.nodes[0], to_benchmark_range, files, {}, error), "");
  EXPECT_NE(error.find("TLS needs both a certificate and a key file, got only the certificate"), std::string::npos)
      << error;
  files.tls_key = "/run/wsfo/tls/server 1.key";
  EXPECT_EQ(stack::render_nginx_config(unit, unit.nodes[0], to_benchmark_range, files, {}, error), "");
  EXPECT_NE(error.find("tls key"), std::string::npos) << error;
}

// "tls_to_backends": every location proxies over https, verifying each
// backend against the run's CA for the address of the server being tried.
TEST(StackNginxConfig, ReencryptsToTheBackendsVerifyingEachForItsAddress) {
  auto s = load_seed();
  const scenario::Unit& unit = s.units[0];
  stack::NginxFiles files = files_in("/run/wsfo/server1");
  files.tls_certificate = "/run/wsfo/tls/server1.pem";
  files.tls_key = "/run/wsfo/tls/server1.key";
  files.backends_ca = "/run/wsfo/tls/ca.pem";
  std::string error;
  const std::string config = stack::render_nginx_config(unit, unit.nodes[0], to_benchmark_range, files, {}, error);
  ASSERT_TRUE(error.empty()) << error;
  for (const char* line :
       {"  map $upstream_addr $wsfo_backend_address {\n    volatile;\n    \"~(?<wsfo_address>[^ ,]+):[0-9]+$\" "
        "$wsfo_address;\n  }\n",
        "      proxy_pass https://route_0;\n      proxy_ssl_verify on;\n"
        "      proxy_ssl_trusted_certificate /run/wsfo/tls/ca.pem;\n      proxy_ssl_protocols TLSv1.2 TLSv1.3;\n"
        "      proxy_ssl_name $wsfo_backend_address;\n"})
    EXPECT_NE(config.find(line), std::string::npos) << line << "\n" << config;
  EXPECT_EQ(config.find("proxy_pass http://"), std::string::npos) << config;
  files.backends_ca.clear();
  const std::string plain_backends =
      stack::render_nginx_config(unit, unit.nodes[0], to_benchmark_range, files, {}, error);
  EXPECT_EQ(plain_backends.find("proxy_ssl"), std::string::npos) << plain_backends;
  EXPECT_NE(plain_backends.find("proxy_pass http://route_0;"), std::string::npos) << plain_backends;
  files.backends_ca = "/run/wsfo/tls/c;a.pem";
  EXPECT_EQ(stack::render_nginx_config(unit, unit.nodes[0], to_benchmark_range, files, {}, error), "");
  EXPECT_NE(error.find("backends CA"), std::string::npos) << error;
}

TEST(StackNginxConfig, RefusesWhatNginxCannotExpress) {
  struct Case {
    std::function<void(scenario::Scenario&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& s) { s.units[0].routes[0].balance = scenario::Balance::router_id_hash; },
       "route \"/\": balance router-id-hash has no nginx equivalent"},
      {[](auto& s) { s.units[0].routes[0].backends.clear(); }, "route \"/\" has no backend"},
      {[](auto& s) { s.units[0].routes[0].backends.push_back("ghost"); }, "names backend \"ghost\""},
      {[](auto& s) { s.units[0].name = "lb;x"; }, "unit name \"lb;x\" contains ';'"},
      {[](auto& s) { s.units[0].routes[0].prefix = "/a b"; }, "route prefix \"/a b\" contains 0x20"},
  };
  for (const auto& c : cases) {
    auto s = load_seed();
    c.change(s);
    std::string error;
    EXPECT_EQ(render(s, "server1", {}, error), "");
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
  }
  auto s = load_seed();
  std::string error;
  auto nothing = [](const std::string&) { return std::string(); };
  EXPECT_EQ(stack::render_nginx_config(s.units[0], s.units[0].nodes[0], nothing, files_in("/x"), {}, error), "");
  EXPECT_NE(error.find("no mapped address for 127.0.2.16"), std::string::npos) << error;
  stack::NginxOptions no_workers;
  no_workers.workers = 0;
  EXPECT_EQ(stack::render_nginx_config(s.units[0], s.units[0].nodes[0], to_benchmark_range, files_in("/x"), no_workers,
                                       error),
            "");
  EXPECT_NE(error.find("at least one worker"), std::string::npos) << error;
}

TEST(StackNginxConfig, NginxAcceptsTheRenderedConfigs) {
  if (!std::filesystem::exists(kNginx)) GTEST_SKIP() << kNginx << " is missing (Debian package nginx-light)";
  auto s = load_seed();
  const auto dir = fresh_dir("stack-nginx-config");
  std::string error;
  const std::string plain = render(s, "server1", {}, error, dir);
  ASSERT_TRUE(error.empty()) << error;
  auto result = nginx_test(plain, dir);
  EXPECT_EQ(result.code, 0) << result.output << "\n" << plain;
  s.units[0].routes.push_back({"/api", {"app17"}, scenario::Balance::round_robin});
  stack::NginxOptions options;
  options.workers = 4;
  options.worker_shutdown_timeout = 30s;
  options.clients = 20000;
  const std::string optioned = render(s, "server2", options, error, dir);
  ASSERT_TRUE(error.empty()) << error;
  result = nginx_test(optioned, dir);
  EXPECT_EQ(result.code, 0) << result.output << "\n" << optioned;
  // With TLS: nginx-light has the ssl module and reads the run's files.
  std::string tls_error;
  auto authority = tls::CertificateAuthority::create("nginx config test", tls_error);
  ASSERT_TRUE(authority) << tls_error;
  auto pair = authority->issue_server({"lb.example", "198.18.2.1"}, tls_error);
  ASSERT_TRUE(pair) << tls_error;
  stack::NginxFiles files = files_in(dir);
  files.tls_certificate = (dir / "server1.pem").string();
  files.tls_key = (dir / "server1.key").string();
  ASSERT_EQ(tls::write_pem(files.tls_certificate, pair->certificate, false), "");
  ASSERT_EQ(tls::write_pem(files.tls_key, pair->key, true), "");
  const std::string with_tls =
      stack::render_nginx_config(s.units[0], s.units[0].nodes[0], to_benchmark_range, files, {}, error);
  ASSERT_TRUE(error.empty()) << error;
  result = nginx_test(with_tls, dir);
  EXPECT_EQ(result.code, 0) << result.output << "\n" << with_tls;
  // Re-encrypting to the backends: nginx reads the CA and takes the map's regex.
  files.backends_ca = (dir / "ca.pem").string();
  ASSERT_EQ(tls::write_pem(files.backends_ca, authority->certificate_pem(), false), "");
  const std::string to_backends =
      stack::render_nginx_config(s.units[0], s.units[0].nodes[0], to_benchmark_range, files, {}, error);
  ASSERT_TRUE(error.empty()) << error;
  result = nginx_test(to_backends, dir);
  EXPECT_EQ(result.code, 0) << result.output << "\n" << to_backends;
  std::filesystem::remove_all(dir);
}

}  // namespace stack_nginx_config_test
