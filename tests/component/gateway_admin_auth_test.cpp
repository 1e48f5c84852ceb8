// The admin API is closed by default: a gateway started without a token
// generates one (mode 0600, named on stderr), every endpoint but the open
// /health and /metrics answers 401 without it and says nothing more,
// --token warns, --token-file reads one, --no-admin-auth is refused off
// loopback before anything is bound, and `wsfo cutover` uses the file.
#include <sys/stat.h>

#include "core/gateway/admin_auth.hpp"
#include "tests/component/gateway_harness.hpp"
#include "tests/support/test_files.hpp"

namespace wsfo::gateway_test {
namespace {

using test_support::slurp;

bool is_open(std::string_view path) { return path == "/health" || path == "/metrics"; }

http::verb verb_of(std::string_view method) { return method == "GET" ? http::verb::get : http::verb::post; }

// What a refused request gets, whatever it asked: status, challenge, body.
void expect_refused(std::uint16_t admin_port, std::string_view method, std::string_view path,
                    const std::string& authorization) {
  SCOPED_TRACE(std::string(method) + " " + std::string(path) + " [" + authorization + "]");
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n" +
                        (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
  RawResponse response = raw_exchange(admin_port, request);
  EXPECT_EQ(response.status, 401) << response.text;
  EXPECT_EQ(response.header("WWW-Authenticate"), "Bearer realm=\"wsfo-gateway\"");
  EXPECT_EQ(Json::parse(response.body(), nullptr, false), (Json{{"error", "unauthorized"}})) << response.body();
}

mode_t mode_of(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return status.st_mode & 07777;
}

TEST(GatewayAdminAuth, AGatewayWithoutATokenGeneratesOneAndEveryEndpointButTheOpenOnesAnswers401) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}));
  // The token file: beside the config (no state file), mode 0600, 64 hex digits, named on stderr.
  EXPECT_EQ(gateway.token_file, gateway.dir() + "/unbj-gw1.admin-token") << gateway.log();
  EXPECT_EQ(mode_of(gateway.token_file), 0600u);
  EXPECT_TRUE(std::regex_match(gateway.token, std::regex("[0-9a-f]{64}"))) << gateway.token;

  std::size_t protected_endpoints = 0;
  for (const gateway::AdminEndpoint& endpoint : gateway::kAdminEndpoints) {
    if (is_open(endpoint.path)) {
      EXPECT_NE(admin(gateway.admin_port, verb_of(endpoint.method), std::string(endpoint.path)).status, 401);
      continue;
    }
    ++protected_endpoints;
    expect_refused(gateway.admin_port, endpoint.method, endpoint.path, "");
    expect_refused(gateway.admin_port, endpoint.method, endpoint.path, "Bearer wrong");
    expect_refused(gateway.admin_port, endpoint.method, endpoint.path, "Bearer " + gateway.token + "x");
    expect_refused(gateway.admin_port, endpoint.method, endpoint.path, "Bearer " + gateway.token.substr(1));
    expect_refused(gateway.admin_port, endpoint.method, endpoint.path, "Basic " + gateway.token);
    // With the token the router answers (a request without a body is a 400, not a 401).
    EXPECT_NE(admin(gateway, verb_of(endpoint.method), std::string(endpoint.path)).status, 401) << endpoint.path;
  }
  EXPECT_EQ(protected_endpoints, std::size(gateway::kAdminEndpoints) - 2);
  // Neither an unknown path nor a wrong method tells anything without the token.
  expect_refused(gateway.admin_port, "GET", "/no-such-endpoint", "");
  expect_refused(gateway.admin_port, "DELETE", "/rules", "");
  expect_refused(gateway.admin_port, "GET", "/faults", "");
  EXPECT_EQ(admin(gateway, http::verb::get, "/no-such-endpoint").status, 404);
  // Nothing the refused requests asked for happened.
  EXPECT_EQ(admin(gateway, http::verb::get, "/health").json()["status"], "serving");
  EXPECT_EQ(admin(gateway, http::verb::get, "/rules").json()["active"]["version"], 1);
}

TEST(GatewayAdminAuth, OpenPathsAreConfigurableAndAGeneratedTokenGoesBesideTheStateFile) {
  Backend backend("beijing");
  const std::string dir = temp_dir();
  std::filesystem::create_directories(dir + "/state");
  Gateway gateway(gateway_config({backend.address()},
                                 {{"admin", {{"open", Json::array()}}}, {"state_file", dir + "/state/rules.json"}}),
                  dir);
  EXPECT_EQ(gateway.token_file, dir + "/state/unbj-gw1.admin-token") << gateway.log();
  EXPECT_EQ(mode_of(gateway.token_file), 0600u);
  for (const gateway::AdminEndpoint& endpoint : gateway::kAdminEndpoints)
    expect_refused(gateway.admin_port, endpoint.method, endpoint.path, "");
  EXPECT_EQ(admin(gateway, http::verb::get, "/health").status, 200);
  EXPECT_NE(admin(gateway, http::verb::get, "/metrics").body.find("wsfo_gateway_serving"), std::string::npos);
}

TEST(GatewayAdminAuth, TokenOnTheCommandLineWorksAndWarnsThatPsShowsIt) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}), temp_dir(), {"--token", "s3cret"});
  EXPECT_NE(gateway.log().find("warning: --token shows the admin token to every user of this machine (`ps`)"),
            std::string::npos)
      << gateway.log();
  EXPECT_TRUE(gateway.token_file.empty());
  EXPECT_FALSE(std::filesystem::exists(gateway.dir() + "/unbj-gw1.admin-token"));
  expect_refused(gateway.admin_port, "GET", "/rules", "Bearer wrong");
  EXPECT_EQ(admin(gateway.admin_port, http::verb::get, "/rules", nullptr, "s3cret").status, 200);
}

TEST(GatewayAdminAuth, TokenFileIsReadAndAReadableOneIsWarnedAbout) {
  Backend backend("beijing");
  const std::string dir = temp_dir();
  const std::string path = dir + "/token";
  std::ofstream(path) << "  f1le-t0ken \nignored second line\n";
  ::chmod(path.c_str(), 0644);
  Gateway gateway(gateway_config({backend.address()}), dir, {"--token-file", path});
  EXPECT_NE(gateway.log().find("may be read by other users"), std::string::npos) << gateway.log();
  EXPECT_EQ(gateway.log().find("--token shows"), std::string::npos);
  expect_refused(gateway.admin_port, "GET", "/rules", "Bearer " + std::string("  f1le-t0ken "));
  EXPECT_EQ(admin(gateway.admin_port, http::verb::get, "/rules", nullptr, "f1le-t0ken").status, 200);

  // An empty or missing file: a clear error, nothing started.
  std::ofstream(dir + "/empty") << "\n";
  for (const std::string& bad : {dir + "/empty", dir + "/missing"}) {
    ChildProcess process({WSFO_BINARY, "gateway", "--config", dir + "/gateway.json", "--token-file", bad});
    auto status = process.wait_for_exit(5s);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code, 3);
    EXPECT_NE(process.read_stderr(500ms).find(bad), std::string::npos);
  }
}

TEST(GatewayAdminAuth, NoAdminAuthIsRefusedOffLoopbackBeforeAnythingIsBound) {
  Backend backend("beijing");
  const std::string dir = temp_dir();
  const std::string path = dir + "/gateway.json";
  std::ofstream(path) << gateway_config({backend.address()}).dump();
  // 192.0.2.1 (TEST-NET-1) is on no interface here: binding it would fail with "cannot listen" and exit 3.
  ChildProcess refused({WSFO_BINARY, "gateway", "--config", path, "--admin", "192.0.2.1:9180", "--no-admin-auth"});
  auto status = refused.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 2);
  std::string error = refused.read_stderr(500ms);
  EXPECT_NE(error.find("--no-admin-auth is refused: the admin API would listen on 192.0.2.1:9180, which is not a "
                       "loopback address"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("cannot listen"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(dir + "/unbj-gw1.admin-token"));

  // With a token flag it is a usage error too.
  ChildProcess both({WSFO_BINARY, "gateway", "--config", path, "--no-admin-auth", "--token", "x"});
  status = both.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 2);

  // On loopback it opens every endpoint and writes no token.
  Gateway open(gateway_config({backend.address()}), temp_dir(), {"--no-admin-auth"});
  EXPECT_TRUE(open.token.empty());
  EXPECT_FALSE(std::filesystem::exists(open.dir() + "/unbj-gw1.admin-token"));
  EXPECT_EQ(admin(open.admin_port, http::verb::get, "/rules").status, 200);
  EXPECT_EQ(admin(open.admin_port, http::verb::post, "/faults", {{"serving", true}}).status, 200);
}

// Two gateways of one cluster share the token the first generated; `wsfo
// cutover` reads it from the file.
TEST(GatewayAdminAuth, CutoverReadsTheGeneratedTokenFile) {
  Backend beijing("beijing"), hangzhou("hangzhou");
  Gateway unbj(gateway_config({beijing.address()}));
  Gateway center(gateway_config({hangzhou.address()}, {{"node", "center-gw1"}, {"unit", "center"}}), temp_dir(),
                 {"--token-file", unbj.token_file});
  ASSERT_EQ(center.token, unbj.token);
  const std::string rules = unbj.dir() + "/v2.json";
  std::ofstream(rules) << rules_json(2, 6700).dump();
  std::vector<std::string> command{WSFO_BINARY, "cutover", "--rules", rules, "--attempts", "1", "--yes"};
  for (const Gateway* g : {&unbj, &center})
    for (const std::string& arg :
         {std::string("--gateway"),
          (g == &unbj ? "unbj-gw1=unbj@127.0.0.1:" : "center-gw1=center@127.0.0.1:") + std::to_string(g->admin_port)})
      command.push_back(arg);

  ChildProcess without(command);
  auto status = without.wait_for_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 2);  // no gateway answered
  EXPECT_NE(without.read_stderr(500ms).find("unbj-gw1 (127.0.0.1:" + std::to_string(unbj.admin_port) +
                                            ") answered 401: its admin API needs a token: pass --token-file"),
            std::string::npos);

  command.insert(command.end(), {"--token-file", unbj.token_file});
  ChildProcess with(command);
  status = with.wait_for_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0) << with.read_stderr(500ms);
  EXPECT_EQ(admin(unbj, http::verb::get, "/rules").json()["active"]["version"], 2);
  EXPECT_EQ(admin(center, http::verb::get, "/rules").json()["active"]["version"], 2);
}

}  // namespace
}  // namespace wsfo::gateway_test
