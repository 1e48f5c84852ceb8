// `wsfo gateway` reloads its routes (SIGHUP, POST /reload) without dropping
// relayed connections: the backend-add / backend-remove faults of DESIGN.md §1.
#include <csignal>
#include <set>
#include <thread>

#include "tests/component/gateway_harness.hpp"

namespace wsfo::gateway_test {
namespace {

void write_config(const Gateway& gateway, const Json& config) {
  std::ofstream(gateway.dir() + "/gateway.json") << config.dump(2);
}

// The labels of the backends that `count` new connections reach.
std::set<std::string> labels_reached(const Gateway& gateway, int count) {
  std::set<std::string> labels;
  for (int i = 0; i < count; ++i) {
    Client client(gateway.port, "/ws", std::to_string(7000 + i));
    std::string welcome = client.read_text();
    labels.insert(welcome.substr(welcome.find('!') + 1));
  }
  return labels;
}

bool log_contains_within(const Gateway& gateway, const std::string& text, std::size_t occurrences,
                         std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string log = gateway.log();
    std::size_t found = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++found;
    if (found >= occurrences) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
}

TEST(GatewayReload, BackendsChangeForNewConnectionsWhileRelayedOnesStayOpen) {
  Backend first("bj1"), second("bj2");
  Json config = gateway_config({first.address()});
  Gateway gateway(config);
  Client kept(gateway.port, "/ws", "7000");
  kept.expect("Welcome to the server!bj1");

  // backend-add through the admin API.
  config["routes"][0]["backends"] = {first.address(), second.address()};
  write_config(gateway, config);
  auto added = admin(gateway, http::verb::post, "/reload");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(added.json()["added_backends"], Json::array({second.address()}));
  EXPECT_EQ(added.json()["removed_backends"], Json::array());
  EXPECT_EQ(added.json()["ignored"], Json::array());
  EXPECT_EQ(added.json()["connections_kept"], 1);
  EXPECT_TRUE(kept.alive("bj1"));
  EXPECT_EQ(labels_reached(gateway, 4), (std::set<std::string>{"bj1", "bj2"}));
  EXPECT_EQ(admin(gateway, http::verb::get, "/health").json()["live_backends"], 2);

  // backend-remove through SIGHUP: the removed backend's connection stays until it closes.
  config["routes"][0]["backends"] = {second.address()};
  write_config(gateway, config);
  gateway.process().send_signal(SIGHUP);
  ASSERT_TRUE(log_contains_within(gateway, "reloaded routes from", 2, 3000ms)) << gateway.log();
  EXPECT_NE(gateway.log().find("removed [\"" + first.address() + "\"]"), std::string::npos) << gateway.log();
  EXPECT_TRUE(kept.alive("bj1"));
  EXPECT_EQ(labels_reached(gateway, 3), (std::set<std::string>{"bj2"}));
  EXPECT_EQ(backend_stats(first.port)["open_connections"], 1);

  // Anything but routes is reported as ignored, with a warning.
  config["limits"]["idle_timeout"] = "9s";
  config["node"] = "renamed";
  write_config(gateway, config);
  auto ignored = admin(gateway, http::verb::post, "/reload");
  ASSERT_EQ(ignored.status, 200) << ignored.body;
  ASSERT_EQ(ignored.json()["ignored"].size(), 2u) << ignored.body;
  EXPECT_EQ(ignored.json()["ignored"][0]["pointer"], "/limits/idle_timeout");
  EXPECT_EQ(ignored.json()["ignored"][1]["pointer"], "/node");
  EXPECT_NE(gateway.log().find("warning: " + gateway.dir() + "/gateway.json: /limits/idle_timeout differs"),
            std::string::npos)
      << gateway.log();
  EXPECT_EQ(admin(gateway, http::verb::get, "/health").json()["node"], "unbj-gw1");

  // A bad file changes nothing, by either trigger.
  config["routes"][0]["backends"] = {"nowhere:80"};
  write_config(gateway, config);
  auto bad = admin(gateway, http::verb::post, "/reload");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("/routes/0/backends/0"), std::string::npos) << bad.body;
  std::ofstream(gateway.dir() + "/gateway.json") << "{ not json";
  gateway.process().send_signal(SIGHUP);
  ASSERT_TRUE(log_contains_within(gateway, "failed, the running config is kept", 2, 3000ms)) << gateway.log();
  EXPECT_EQ(labels_reached(gateway, 2), (std::set<std::string>{"bj2"}));
  EXPECT_TRUE(kept.alive("bj1"));
}

TEST(GatewayReload, RequiresTheAdminToken) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}), temp_dir(), {"--token", "s3cret"});
  EXPECT_EQ(admin(gateway.admin_port, http::verb::post, "/reload").status, 401);
  EXPECT_EQ(admin(gateway.admin_port, http::verb::post, "/reload", nullptr, "s3cret").status, 200);
  EXPECT_EQ(admin(gateway.admin_port, http::verb::get, "/reload", nullptr, "s3cret").status, 405);
}

}  // namespace
}  // namespace wsfo::gateway_test
