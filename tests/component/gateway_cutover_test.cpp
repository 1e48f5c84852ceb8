// `wsfo gateway` as a real process: cutover closes exactly the moved
// connections, version conflicts, persistence across restarts,
// graceful SIGTERM (issue 3, item 8).
#include <csignal>

#include "gateway/admin_client.hpp"
#include "tests/component/gateway_harness.hpp"

namespace wsfo::gateway_test {
namespace {

TEST(GatewayCutover, PrepareClosesExactlyTheMovedConnections) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}));
  // 30 clients spread over the unbj slots (some routerIds above the modulus), plus one without routerId.
  std::vector<std::uint64_t> ids;
  for (std::uint64_t i = 0; i < 30; ++i) ids.push_back(5998 + i * 133 + (i % 3) * 10000);
  std::vector<std::unique_ptr<Client>> clients;
  for (auto id : ids) {
    clients.push_back(std::make_unique<Client>(gateway.port, "/ws", std::to_string(id)));
    clients.back()->expect("Welcome to the server!beijing");
  }
  Client anonymous(gateway.port, "/ws");
  anonymous.expect("Welcome to the server!beijing");
  auto is_moved = [](std::uint64_t id) { return id % 10000 >= 5998 && id % 10000 <= 6700; };

  // Preview counts what prepare will close.
  auto preview = admin(gateway, http::verb::post, "/rules/preview", {{"rules", rules_json(2, 6700)}});
  ASSERT_EQ(preview.status, 200) << preview.body;
  std::size_t expected = std::count_if(ids.begin(), ids.end(), is_moved);
  ASSERT_GT(expected, 3u);
  ASSERT_LT(expected, ids.size());
  EXPECT_EQ(preview.json()["live_connections_closed"], expected);
  EXPECT_EQ(preview.json()["moved"][0]["live_connections"], expected);
  EXPECT_EQ(preview.json()["moved"][0]["from_unit"], "unbj");
  EXPECT_TRUE(preview.json()["version_ok"]);

  auto prepared = admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 6700)}});
  ASSERT_EQ(prepared.status, 200) << prepared.body;
  EXPECT_EQ(prepared.json()["closed_total"], expected);

  for (std::size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(ids[i]);
    if (is_moved(ids[i])) {
      EXPECT_EQ(clients[i]->wait_close(2000ms), 4001);
      EXPECT_EQ(clients[i]->reason().reason, "moved from unbj to center by rules v2");
    }
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!is_moved(ids[i])) {
      EXPECT_TRUE(clients[i]->alive("beijing")) << ids[i];
    }
  }
  EXPECT_TRUE(anonymous.alive("beijing"));

  // The backend side saw the same: moved routerIds closed, the others open.
  std::this_thread::sleep_for(200ms);
  Json stats = backend_stats(backend.port);
  for (auto id : ids) EXPECT_EQ(stats["router_ids"][std::to_string(id)]["open"], is_moved(id) ? 0 : 1) << id;
  EXPECT_EQ(stats["open_connections"], ids.size() - expected + 1);
  auto metrics = admin(gateway, http::verb::get, "/metrics").body;
  EXPECT_NE(metrics.find("wsfo_gateway_closes_total{code=\"4001\"} " + std::to_string(expected) + "\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("wsfo_gateway_rules_pending_version 2\n"), std::string::npos);

  // Repeating the prepare is harmless; commit activates v2.
  auto again = admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 6700)}});
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(again.json()["repeated"]);
  EXPECT_EQ(again.json()["closed_total"], 0);
  EXPECT_EQ(admin(gateway, http::verb::post, "/rules/commit", {{"version", 2}}).status, 200);
  EXPECT_EQ(admin(gateway, http::verb::get, "/rules").json()["active"]["version"], 2);
}

// A cutover rollback calls abort(v) on every gateway, also on those that
// already committed v: they go back to v-1, closing only the connections
// whose slots move back.
TEST(GatewayCutover, AbortOfACommittedVersionRevertsItAndClosesOnlyWhatMovesBack) {
  Backend backend("beijing");
  std::string dir = temp_dir();
  Gateway gateway(gateway_config({backend.address()}, {{"state_file", dir + "/rules-state.json"}}), dir);
  // v2 gives center's slots 5501..5997 to unbj (this gateway's unit).
  ASSERT_EQ(admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 5500)}}).status,
            200);
  ASSERT_EQ(admin(gateway, http::verb::post, "/rules/commit", {{"version", 2}}).status, 200);
  const std::vector<std::uint64_t> ids = {5501, 5600, 15700, 5997, 5998, 6500, 9999, 16001};
  auto moves_back = [](std::uint64_t id) { return id % 10000 <= 5997; };
  std::vector<std::unique_ptr<Client>> clients;
  for (auto id : ids) {
    clients.push_back(std::make_unique<Client>(gateway.port, "/ws", std::to_string(id)));
    clients.back()->expect("Welcome to the server!beijing");
  }
  EXPECT_EQ(admin(gateway, http::verb::get, "/rules").json()["revertible_to"], 1);

  auto reverted = gateway::HttpGatewayAdmin(gateway.token)
                      .abort({"unbj-gw1", "unbj", "127.0.0.1:" + std::to_string(gateway.admin_port)}, 2);
  EXPECT_TRUE(reverted.ok) << reverted.message;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(ids[i]);
    if (moves_back(ids[i])) {
      EXPECT_EQ(clients[i]->wait_close(2000ms), 4001);
      EXPECT_EQ(clients[i]->reason().reason, "moved back from unbj to center by the revert of rules v2 to v1");
    }
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!moves_back(ids[i])) {
      EXPECT_TRUE(clients[i]->alive("beijing")) << ids[i];
    }
  }
  auto health = admin(gateway, http::verb::get, "/health").json();
  EXPECT_EQ(health["rules_version"], 1);
  EXPECT_EQ(health["connections"], 4);
  EXPECT_EQ(raw_exchange(gateway.port, upgrade_request("/ws", "routerId: 5600\r\n")).status, 302);
  // Persisted like a commit: v1 committed, nothing left to revert.
  std::ifstream state_file(dir + "/rules-state.json");
  Json persisted = Json::parse(state_file);
  EXPECT_EQ(persisted["committed"]["version"], 1);
  EXPECT_TRUE(persisted["previous"].is_null());
  // Repeating the rollback is harmless; reverting further is a conflict.
  auto again = admin(gateway, http::verb::post, "/rules/abort", {{"version", 2}});
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(again.json()["repeated"]);
  auto further = admin(gateway, http::verb::post, "/rules/abort", {{"version", 1}});
  EXPECT_EQ(further.status, 409) << further.body;
  // The rules moved back and forth again: v2 is the next version.
  EXPECT_EQ(admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 5500)}}).status,
            200);
}

TEST(GatewayCutover, VersionConflictsAnswer409) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}));
  auto skip = admin(gateway, http::verb::post, "/rules/prepare", {{"version", 3}, {"rules", rules_json(3, 6700)}});
  EXPECT_EQ(skip.status, 409) << skip.body;
  EXPECT_NE(skip.json()["error"].get<std::string>().find("must be v2"), std::string::npos) << skip.body;
  EXPECT_EQ(admin(gateway, http::verb::post, "/rules/commit", {{"version", 2}}).status, 409);
  ASSERT_EQ(admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 6700)}}).status,
            200);
  EXPECT_EQ(admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 7000)}}).status,
            409);
  EXPECT_EQ(admin(gateway, http::verb::post, "/rules/abort", {{"version", 3}}).status, 409);
  EXPECT_EQ(admin(gateway, http::verb::post, "/rules/abort", {{"version", 2}}).status, 200);
  EXPECT_EQ(admin(gateway, http::verb::get, "/rules").json()["active"]["version"], 1);
  // Bad bodies get 400 naming the pointer.
  auto bad = admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", {{"version", 2}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("/rules/ranges"), std::string::npos) << bad.body;
  EXPECT_EQ(admin(gateway, http::verb::get, "/nothing").status, 404);
  EXPECT_EQ(admin(gateway, http::verb::get, "/rules/commit").status, 405);
}

TEST(GatewayCutover, RulesStateSurvivesRestarts) {
  Backend backend("beijing");
  std::string dir = temp_dir();
  Json config = gateway_config({backend.address()}, {{"state_file", dir + "/rules-state.json"}});
  {
    Gateway gateway(config, dir);
    ASSERT_EQ(
        admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 6700)}}).status,
        200);
    ASSERT_EQ(admin(gateway, http::verb::post, "/rules/commit", {{"version", 2}}).status, 200);
    ASSERT_EQ(
        admin(gateway, http::verb::post, "/rules/prepare", {{"version", 3}, {"rules", rules_json(3, 8000)}}).status,
        200);
    gateway.process().send_signal(SIGKILL);
    ASSERT_TRUE(gateway.process().wait_for_exit(3000ms));
  }
  Gateway restarted(config, dir);
  auto health = admin(restarted, http::verb::get, "/health").json();
  EXPECT_EQ(health["rules_version"], 2);
  EXPECT_EQ(health["discarded_pending"], 3);
  EXPECT_TRUE(health["pending_version"].is_null());
  EXPECT_NE(restarted.log().find("discarded pending prepare of v3"), std::string::npos) << restarted.log();
  // v2 routes: 6500 now belongs to center.
  EXPECT_EQ(raw_exchange(restarted.port, upgrade_request("/ws", "routerId: 6500\r\n")).status, 302);
  // The next cutover continues from v2.
  EXPECT_EQ(
      admin(restarted, http::verb::post, "/rules/prepare", {{"version", 3}, {"rules", rules_json(3, 8000)}}).status,
      200);

  std::ofstream(dir + "/rules-state.json") << "{\"committed\": 5}";
  ChildProcess broken({WSFO_BINARY, "gateway", "--config", dir + "/gateway.json"});
  auto status = broken.wait_for_exit(3000ms);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 2);  // an invalid state file
  EXPECT_NE(broken.read_stderr(1000ms).find("/committed"), std::string::npos);
}

TEST(GatewayAdmin, FaultsStopAndRestartServing) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}));
  Client client(gateway.port, "/ws", "7000");
  client.expect("Welcome to the server!beijing");
  ASSERT_EQ(admin(gateway, http::verb::post, "/faults", {{"serving", false}}).status, 200);
  EXPECT_EQ(client.wait_close(2000ms), 0);  // dropped without a close frame, like a dead process
  EXPECT_EQ(admin(gateway, http::verb::get, "/health").status, 503);
  EXPECT_THROW(Client(gateway.port, "/ws", "7000"), std::exception);
  ASSERT_EQ(admin(gateway, http::verb::post, "/faults", {{"serving", true}}).status, 200);
  EXPECT_EQ(admin(gateway, http::verb::get, "/health").status, 200);
  Client again(gateway.port, "/ws", "7000");
  EXPECT_EQ(again.read_text(), "Welcome to the server!beijing");
}

TEST(GatewayShutdown, SigtermDrainsThenClosesWith1001) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}, {{"limits", {{"drain_timeout", "400ms"}}}}));
  Client client(gateway.port, "/ws", "7000");
  client.expect("Welcome to the server!beijing");
  auto start = std::chrono::steady_clock::now();
  gateway.process().send_signal(SIGTERM);
  EXPECT_EQ(client.wait_close(3000ms), 1001);
  EXPECT_EQ(client.reason().reason, "gateway shutting down");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 350ms);
  auto status = gateway.process().wait_for_exit(3000ms);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited);
  EXPECT_EQ(status->code, 0);
}

}  // namespace
}  // namespace wsfo::gateway_test
