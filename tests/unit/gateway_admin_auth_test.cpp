// Who may use the admin API: the bearer check, the open paths, loopback
// addresses, and the config keys behind them.
#include <gtest/gtest.h>

#include "core/gateway/admin_auth.hpp"
#include "core/gateway/gateway_config.hpp"
#include "gateway_test_config.hpp"

namespace wsfo::gateway {
namespace {

TEST(AdminAuth, BearerMatchesOnlyTheExactToken) {
  EXPECT_TRUE(bearer_matches("Bearer s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cre", "s3cret"));    // a prefix
  EXPECT_FALSE(bearer_matches("Bearer s3cretX", "s3cret"));  // longer
  EXPECT_FALSE(bearer_matches("Bearer s3creT", "s3cret"));   // last byte differs
  EXPECT_FALSE(bearer_matches("bearer s3cret", "s3cret"));   // the scheme as RFC 6750 spells it
  EXPECT_FALSE(bearer_matches("Basic czNjcmV0", "s3cret"));
  EXPECT_FALSE(bearer_matches("s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));  // an empty token opens nothing
  EXPECT_FALSE(bearer_matches("", ""));
  std::string with_nul("Bearer s3cret\0", 14);
  EXPECT_FALSE(bearer_matches(with_nul, "s3cret"));
}

TEST(AdminAuth, OpenPathsAreOpenAndEverythingElseNeedsTheToken) {
  AdminAuth auth;
  auth.token = "t0ken";
  for (std::string_view open : {"/health", "/metrics"}) EXPECT_TRUE(admin_request_allowed(auth, open, ""));
  for (const AdminEndpoint& e : kAdminEndpoints) {
    bool open = e.path == "/health" || e.path == "/metrics";
    EXPECT_EQ(admin_request_allowed(auth, e.path, ""), open) << e.path;
    EXPECT_EQ(admin_request_allowed(auth, e.path, "Bearer wrong"), open) << e.path;
    EXPECT_TRUE(admin_request_allowed(auth, e.path, "Bearer t0ken")) << e.path;
  }
  EXPECT_FALSE(admin_request_allowed(auth, "/no-such-path", ""));
  EXPECT_FALSE(admin_request_allowed(auth, "/health/../rules", ""));

  auth.open_paths.clear();
  EXPECT_FALSE(admin_request_allowed(auth, "/health", ""));
  EXPECT_TRUE(admin_request_allowed(auth, "/health", "Bearer t0ken"));

  AdminAuth no_token;  // authentication on but no token settled: nothing protected opens
  EXPECT_FALSE(admin_request_allowed(no_token, "/rules", "Bearer "));
  AdminAuth off;
  off.required = false;
  EXPECT_TRUE(admin_request_allowed(off, "/faults", ""));
}

TEST(AdminAuth, LoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]", "::ffff:127.0.0.9"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"0.0.0.0", "10.0.0.1", "192.0.2.1", "128.0.0.1", "1127.0.0.1", "127.0.0", "127.0.0.1.5",
                           "127.0.0.256", "::", "::2", "::ffff:10.0.0.1", "localhost", ""})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(AdminAuth, HexAndTokenFileStem) {
  EXPECT_EQ(to_hex(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
  EXPECT_EQ(token_file_stem("unbj-gw1"), "unbj-gw1");
  EXPECT_EQ(token_file_stem("a/../b c"), "a_.._b_c");
  EXPECT_EQ(token_file_stem(".."), "gateway");
}

TEST(AdminAuth, ConfigKeys) {
  json::Json document = testing::seed_config_json();
  auto config = testing::config_from(document);
  EXPECT_TRUE(config.admin_auth.required);
  EXPECT_TRUE(config.admin_auth.token.empty());
  EXPECT_EQ(config.admin_auth.open_paths, (std::vector<std::string>{"/health", "/metrics"}));

  document["admin"] = {{"token_file", "/run/wsfo/token"}, {"open", json::Json::array()}};
  config = testing::config_from(document);
  EXPECT_EQ(config.admin_token_file, "/run/wsfo/token");
  EXPECT_TRUE(config.admin_auth.open_paths.empty());

  // A flag replaces whichever of token and token_file the file gives.
  ConfigOverrides overrides;
  overrides.token = "from-flag";
  apply_overrides(document, overrides);
  config = testing::config_from(document);
  EXPECT_EQ(config.admin_auth.token, "from-flag");
  EXPECT_TRUE(config.admin_token_file.empty());
}

}  // namespace
}  // namespace wsfo::gateway
