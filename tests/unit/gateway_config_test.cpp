#include "core/gateway/gateway_config.hpp"

#include <gtest/gtest.h>

#include "gateway_test_config.hpp"

namespace wsfo::gateway {
namespace {

using testing::seed_config;
using testing::seed_config_json;

TEST(GatewayConfig, ReadsTheSeedConfigWithDefaults) {
  GatewayConfig config = seed_config();
  EXPECT_EQ(config.node, "unbj-gw1");
  EXPECT_EQ(config.unit, "unbj");
  EXPECT_EQ(config.listen, (std::vector<Endpoint>{{"127.0.0.1", 0}}));
  EXPECT_EQ(config.admin, (Endpoint{"127.0.0.1", 0}));
  EXPECT_EQ(config.correction, CorrectionMode::redirect);
  EXPECT_EQ(config.browser_correction, std::nullopt);
  EXPECT_EQ(correction_for(config, true), CorrectionMode::redirect);
  EXPECT_EQ(config.missing.kind, MissingPolicyKind::local);
  EXPECT_EQ(config.rules.version(), 1u);
  ASSERT_NE(config.find_unit("center"), nullptr);
  EXPECT_EQ(config.find_unit("center")->gateways, (std::vector<Endpoint>{{"127.0.1.1", 8080}}));
  EXPECT_EQ(config.limits.max_connections, 100u);
  EXPECT_EQ(config.limits.retry_after, std::chrono::seconds(2));
  EXPECT_EQ(config.limits.idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(config.limits.max_message_bytes, 16u << 20);
  EXPECT_EQ(config.limits.max_handshakes_in_progress, 1000u);
  EXPECT_EQ(config.limits.evict_heads_after, std::chrono::seconds(1));
  EXPECT_EQ(config.router_id_sources.size(), 3u);
}

TEST(GatewayConfig, EveryErrorNamesItsPointer) {
  struct Case {
    std::string name;
    std::string patch;  // a JSON merge patch applied to the seed config
    std::string pointer;
    std::string message_contains;
  };
  const std::vector<Case> cases = {
      {"unknown key", R"({"colour": "blue"})", "/colour", "unknown key"},
      {"unknown limit", R"({"limits": {"max_conns": 1}})", "/limits/max_conns", "unknown key"},
      {"missing node", R"({"node": null})", "/node", "missing"},
      {"bad listen", R"({"listen": ["localhost:80"]})", "/listen/0", "numeric"},
      {"bad port", R"({"listen": ["127.0.0.1:70000"]})", "/listen/0", "port"},
      {"backend port 0", R"({"routes": [{"prefix": "/", "backends": ["127.0.0.1:0"]}]})", "/routes/0/backends/0",
       "port"},
      {"unit not defined", R"({"unit": "mars"})", "/unit", "mars"},
      {"bad correction", R"({"correction": "bounce"})", "/correction", "redirect"},
      {"bad source", R"({"router_id": {"sources": ["body"]}})", "/router_id/sources/0", "header"},
      {"duplicate source", R"({"router_id": {"sources": ["query", "query"]}})", "/router_id/sources/1", "twice"},
      {"missing unit unknown", R"({"router_id": {"missing": "mars"}})", "/router_id/missing", "mars"},
      {"modulus mismatch", R"({"router_id": {"modulus": 100}})", "/router_id/modulus", "differs"},
      {"rules with unknown unit", R"({"rules": {"version": 1, "ranges": [{"from": 0, "to": 9999, "unit": "mars"}]}})",
       "/rules/ranges/0", "mars"},
      {"rules gap", R"({"rules": {"version": 1, "ranges": [{"from": 0, "to": 9000, "unit": "unbj"}]}})",
       "/rules/ranges", ""},
      {"prefix without slash", R"({"routes": [{"prefix": "ws", "backends": ["127.0.0.1:1"]}]})", "/routes/0/prefix",
       "'/'"},
      {"no backends", R"({"routes": [{"prefix": "/", "backends": []}]})", "/routes/0/backends", "at least one"},
      {"bad balance", R"({"routes": [{"prefix": "/", "backends": ["127.0.0.1:1"], "balance": "random"}]})",
       "/routes/0/balance", "round_robin"},
      {"bad public url", R"({"units": {"center": {"public_url": "center.example"}}})", "/units/center/public_url",
       "ws://"},
      {"bad duration", R"({"limits": {"idle_timeout": "soon"}})", "/limits/idle_timeout", "duration"},
      {"zero idle timeout", R"({"limits": {"idle_timeout": "0s"}})", "/limits/idle_timeout", "positive"},
      {"tiny header limit", R"({"limits": {"max_header_bytes": 10}})", "/limits/max_header_bytes", "256"},
      {"negative message limit", R"({"limits": {"max_message_bytes": -1}})", "/limits/max_message_bytes", "0"},
      {"no handshake in progress", R"({"limits": {"max_handshakes_in_progress": 0}})",
       "/limits/max_handshakes_in_progress", "1000000"},
      {"heads never stale", R"({"limits": {"evict_heads_after": "0s"}})", "/limits/evict_heads_after", "positive"},
      {"admin token type", R"({"admin": {"token": 5}})", "/admin/token", "string"},
      {"empty admin token", R"({"admin": {"token": ""}})", "/admin/token", "generated"},
      {"token and token file", R"({"admin": {"token": "a", "token_file": "/t"}})", "/admin/token_file", "not both"},
      {"open rules", R"({"admin": {"open": ["/health", "/rules"]}})", "/admin/open/1", "/metrics"},
      {"proxy without gateways", R"({"correction": "proxy", "units": {"center": {"gateways": null}}})", "/units/center",
       "gateways"},
      {"browser proxy without gateways", R"({"browser_correction": "proxy", "units": {"center": {"gateways": null}}})",
       "/units/center", "browser_correction \"proxy\" needs the gateways"},
      {"bad browser correction", R"({"browser_correction": "bounce"})", "/browser_correction", "redirect"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json::Json document = seed_config_json();
    document.merge_patch(json::Json::parse(c.patch));
    json::Problems problems;
    auto config = read_gateway_config(document, problems);
    EXPECT_FALSE(config);
    ASSERT_FALSE(problems.empty());
    bool found = false;
    for (const auto& p : problems.list())
      found = found || (p.pointer == c.pointer && p.message.find(c.message_contains) != std::string::npos);
    EXPECT_TRUE(found) << json::format(problems.list().front());
  }
}

TEST(GatewayConfig, OverridesReplaceFileValuesAndAreValidated) {
  json::Json document = seed_config_json();
  ConfigOverrides overrides;
  overrides.listen = {"127.0.0.5:0", "127.0.0.6:0"};
  overrides.admin = "127.0.0.7:9000";
  overrides.node = "n2";
  overrides.unit = "center";
  overrides.token = "secret";
  overrides.state_file = "/tmp/state.json";
  apply_overrides(document, overrides);
  json::Problems problems;
  auto config = read_gateway_config(document, problems);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->listen.size(), 2u);
  EXPECT_EQ(config->admin, (Endpoint{"127.0.0.7", 9000}));
  EXPECT_EQ(config->node, "n2");
  EXPECT_EQ(config->unit, "center");
  EXPECT_EQ(config->admin_auth.token, "secret");
  EXPECT_EQ(config->state_file, "/tmp/state.json");

  document = seed_config_json();
  ConfigOverrides bad_admin;
  bad_admin.admin = "nowhere";
  apply_overrides(document, bad_admin);
  EXPECT_FALSE(read_gateway_config(document, problems));
  EXPECT_EQ(problems.list().back().pointer, "/admin/listen");
}

TEST(Endpoint, ParsesAndPrints) {
  std::string error;
  EXPECT_EQ(parse_endpoint("127.0.0.1:80", false, error)->text(), "127.0.0.1:80");
  EXPECT_EQ(parse_endpoint("[::1]:443", false, error)->host, "::1");
  EXPECT_EQ(parse_endpoint("[::1]:443", false, error)->text(), "[::1]:443");
  EXPECT_FALSE(parse_endpoint("127.0.0.1:0", false, error));
  EXPECT_TRUE(parse_endpoint("127.0.0.1:0", true, error));
  for (const char* bad : {"127.0.0.1", "1.2.3:4", "1.2.3.256:1", "[zz]:1", "127.0.0.1:", "127.0.0.1:x", ":80"})
    EXPECT_FALSE(parse_endpoint(bad, true, error)) << bad;
}

}  // namespace
}  // namespace wsfo::gateway
