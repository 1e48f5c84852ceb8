#pragma once
// A gateway config shared by the gateway unit tests: the seed's two units,
// center [0, 5997] and unbj [5998, 9999], seen from the unbj gateway.
#include <gtest/gtest.h>

#include "core/gateway/gateway_config.hpp"

namespace wsfo::gateway::testing {

inline json::Json seed_config_json() {
  return json::Json::parse(R"({
    "node": "unbj-gw1",
    "unit": "unbj",
    "listen": ["127.0.0.1:0"],
    "units": {
      "center": {"public_url": "ws://center.websocket.msha.tech:8080", "gateways": ["127.0.1.1:8080"]},
      "unbj": {"public_url": "ws://unbj.websocket.msha.tech:8080/", "gateways": ["127.0.2.1:8080"]}
    },
    "rules": {"version": 1, "modulus": 10000,
              "ranges": [{"from": 0, "to": 5997, "unit": "center"}, {"from": 5998, "to": 9999, "unit": "unbj"}]},
    "routes": [{"prefix": "/", "backends": ["127.0.0.1:9001"]}],
    "limits": {"max_connections": 100, "retry_after": "2s"}
  })");
}

inline GatewayConfig config_from(const json::Json& document) {
  json::Problems problems;
  auto config = read_gateway_config(document, problems);
  for (const auto& p : problems.list()) ADD_FAILURE() << json::format(p);
  return config ? *config : GatewayConfig{};
}

inline GatewayConfig seed_config() { return config_from(seed_config_json()); }

}  // namespace wsfo::gateway::testing
