// The route table (core/gateway/route_decision) and the HTTP answers that
// follow from it (core/gateway/answers), as the live gateway and the model
// both give them.
#include <gtest/gtest.h>

#include "core/gateway/answers.hpp"
#include "core/gateway/route_decision.hpp"
#include "gateway_test_config.hpp"

namespace wsfo::gateway {
namespace {

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
using Headers = std::vector<std::pair<std::string, std::string>>;
using testing::config_from;
using testing::seed_config;
using testing::seed_config_json;

Fields upgrade_fields(Fields extra = {}) {
  Fields fields{{"Host", "websocket.msha.tech"},
                {"Connection", "Upgrade"},
                {"Upgrade", "websocket"},
                {"Sec-WebSocket-Version", "13"},
                {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  fields.insert(fields.end(), extra.begin(), extra.end());
  return fields;
}

routing::RuleSet seed_rules(std::uint64_t version, std::int64_t center_last) {
  return *routing::RuleSet::build(version, {{0, center_last, "center"}, {center_last + 1, 9999, "unbj"}},
                                  {"center", "unbj"})
              .rules;
}

struct Case {
  std::string name;
  std::string_view method = "GET";
  unsigned version = 11;
  std::string_view target = "/ws";
  Fields fields = upgrade_fields();
  Decision::Kind kind;
  int status = 0;
  std::string rule = {};
  std::string location_or_unit = {};
  std::string reason_contains = {};
};

Decision run(const Case& c, const GatewayConfig& config, const RulesState& state, std::size_t live = 0) {
  RequestHead head{c.method, c.version, c.target, c.fields};
  return decide(DecisionInputs{head, config, state, live});
}

TEST(RouteDecision, FollowsTheTableInOrder) {
  using K = Decision::Kind;
  const std::vector<Case> cases = {
      {"seed: 1111 at unbj is redirected to center", "GET", 11, "/ws?x=1", upgrade_fields({{"routerId", "1111"}}),
       K::redirect, 302, "redirect-correction", "ws://center.websocket.msha.tech:8080/ws?x=1"},
      {"8330 at unbj is its own", "GET", 11, "/ws", upgrade_fields({{"routerId", "8330"}}), K::proxy_local, 0,
       "own-unit", "unbj"},
      {"slot of a big routerId", "GET", 11, "/", upgrade_fields({{"routerId", "123456781111"}}), K::redirect, 302,
       "redirect-correction", "ws://center.websocket.msha.tech:8080/"},
      {"routerId in the query", "GET", 11, "/ws?routerId=6249", upgrade_fields(), K::proxy_local, 0, "own-unit",
       "unbj"},
      {"routerId in a cookie", "GET", 11, "/ws", upgrade_fields({{"Cookie", "a=b; routerId=17"}}), K::redirect, 302,
       "redirect-correction", "ws://center.websocket.msha.tech:8080/ws"},
      {"header wins over query", "GET", 11, "/ws?routerId=1", upgrade_fields({{"ROUTERID", "9000"}}), K::proxy_local, 0,
       "own-unit", "unbj"},
      {"missing routerId stays local", "GET", 11, "/ws", upgrade_fields(), K::proxy_local, 0, "own-unit", "unbj"},
      {"malformed routerId", "GET", 11, "/ws", upgrade_fields({{"routerId", "12a"}}), K::reject, 400,
       "malformed-router-id", "", "'a' at position 2"},
      {"negative routerId", "GET", 11, "/ws?routerId=-5", upgrade_fields(), K::reject, 400, "malformed-router-id", "",
       "sign"},
      {"overflowing routerId", "GET", 11, "/ws", upgrade_fields({{"routerId", "9223372036854775808"}}), K::reject, 400,
       "malformed-router-id", "", "maximum"},
      {"plain GET", "GET", 11, "/ws", Fields{{"Host", "h"}}, K::reject, 426, "websocket-upgrade", "", "WebSocket"},
      {"upgrade to h2c", "GET", 11, "/ws", Fields{{"Host", "h"}, {"Connection", "Upgrade"}, {"Upgrade", "h2c"}},
       K::reject, 426, "websocket-upgrade"},
      {"POST upgrade", "POST", 11, "/ws", upgrade_fields(), K::reject, 405, "method-get", "", "POST"},
      {"HTTP/1.0", "GET", 10, "/ws", upgrade_fields(), K::reject, 400, "http-1.1", "", "HTTP/1.0"},
      {"no Host", "GET", 11, "/ws",
       Fields{{"Connection", "keep-alive, Upgrade"},
              {"Upgrade", "websocket"},
              {"Sec-WebSocket-Version", "13"},
              {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}},
       K::reject, 400, "host-header"},
      {"websocket version 8", "GET", 11, "/ws",
       Fields{{"Host", "h"},
              {"Connection", "Upgrade"},
              {"Upgrade", "websocket"},
              {"Sec-WebSocket-Version", "8"},
              {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}},
       K::reject, 426, "websocket-version", "", "'8'"},
      {"short key", "GET", 11, "/ws",
       Fields{{"Host", "h"},
              {"Connection", "Upgrade"},
              {"Upgrade", "websocket"},
              {"Sec-WebSocket-Version", "13"},
              {"Sec-WebSocket-Key", "abc"}},
       K::reject, 400, "websocket-key", "", "16 bytes"},
      {"absolute target", "GET", 11, "http://h/ws", upgrade_fields(), K::reject, 400, "origin-form-target"},
      {"conflicting headers", "GET", 11, "/ws", upgrade_fields({{"routerId", "1"}, {"routerid", "2"}}), K::reject, 400,
       "malformed-router-id", "", "conflicting"},
  };
  GatewayConfig config = seed_config();
  RulesState state(seed_rules(1, 5997));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Decision d = run(c, config, state);
    EXPECT_EQ(d.kind, c.kind);
    EXPECT_EQ(d.status, c.status);
    EXPECT_EQ(d.rule, c.rule);
    if (c.kind == K::redirect) {
      EXPECT_EQ(d.location, c.location_or_unit);
    }
    if (c.kind == K::proxy_local) {
      EXPECT_EQ(d.unit, c.location_or_unit);
    }
    EXPECT_NE(d.reason.find(c.reason_contains), std::string::npos) << d.reason;
    EXPECT_EQ(d.reason.find('\n'), std::string::npos);
  }
}

TEST(RouteDecision, RejectsCarryTheHeadersTheStatusNeeds) {
  GatewayConfig config = seed_config();
  RulesState state(seed_rules(1, 5997));
  Case plain{"plain", "GET", 11, "/", Fields{{"Host", "h"}}, Decision::Kind::reject};
  EXPECT_EQ(run(plain, config, state).headers,
            (std::vector<std::pair<std::string, std::string>>{{"Upgrade", "websocket"}}));
  Case post{"post", "PUT", 11, "/", upgrade_fields(), Decision::Kind::reject};
  EXPECT_EQ(run(post, config, state).headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET"}}));
}

TEST(RouteDecision, LocationKeepsPathAndQueryWithoutDoubleSlash) {
  EXPECT_EQ(redirect_location("ws://c:8080", "/ws?routerId=1111&a=b"), "ws://c:8080/ws?routerId=1111&a=b");
  EXPECT_EQ(redirect_location("ws://c:8080/", "/ws"), "ws://c:8080/ws");
  EXPECT_EQ(redirect_location("https://c/prefix/", "/ws?q"), "https://c/prefix/ws?q");
  EXPECT_EQ(redirect_location("ws://c", "/"), "ws://c/");
  // The unbj public URL in the test config ends with '/'.
  GatewayConfig config = seed_config();
  config.unit = "center";
  RulesState state(seed_rules(1, 5997));
  Case c{"", "GET", 11, "/chat/room?routerId=8330&t=1", upgrade_fields(), Decision::Kind::redirect};
  EXPECT_EQ(run(c, config, state).location, "ws://unbj.websocket.msha.tech:8080/chat/room?routerId=8330&t=1");
}

TEST(RouteDecision, FencedSlotsAnswer503WithRetryAfter) {
  GatewayConfig config = seed_config();
  RulesState state(seed_rules(1, 5997));
  ASSERT_TRUE(state.prepare(seed_rules(2, 6380)).ok());  // moves [5998, 6380] unbj -> center
  Case moving{"", "GET", 11, "/ws?routerId=6249", upgrade_fields(), Decision::Kind::reject};
  Decision d = run(moving, config, state);
  EXPECT_EQ(d.status, 503);
  EXPECT_EQ(d.rule, "fenced-slot");
  EXPECT_EQ(d.retry_after, std::chrono::seconds(2));
  EXPECT_NE(d.reason.find("from unbj to center"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("v2"), std::string::npos) << d.reason;
  Case staying{"", "GET", 11, "/ws?routerId=8330", upgrade_fields(), Decision::Kind::proxy_local};
  EXPECT_EQ(run(staying, config, state).kind, Decision::Kind::proxy_local);
  ASSERT_TRUE(state.commit(2).ok());
  d = run(moving, config, state);
  EXPECT_EQ(d.kind, Decision::Kind::redirect);
  EXPECT_EQ(d.location, "ws://center.websocket.msha.tech:8080/ws?routerId=6249");
}

TEST(RouteDecision, MissingRouterIdPolicies) {
  RulesState state(seed_rules(1, 5997));
  Case none{"", "GET", 11, "/ws", upgrade_fields(), Decision::Kind::reject};
  auto document = seed_config_json();
  document["router_id"] = {{"missing", "reject"}, {"sources", {"query", "header"}}};
  Decision d = run(none, config_from(document), state);
  EXPECT_EQ(d.status, 400);
  EXPECT_EQ(d.rule, "missing-router-id-policy");
  EXPECT_NE(d.reason.find("query, header"), std::string::npos) << d.reason;
  document["router_id"] = {{"missing", "center"}};
  d = run(none, config_from(document), state);
  EXPECT_EQ(d.kind, Decision::Kind::redirect);
  EXPECT_EQ(d.location, "ws://center.websocket.msha.tech:8080/ws");
  document["router_id"] = {{"missing", "unbj"}};
  EXPECT_EQ(run(none, config_from(document), state).kind, Decision::Kind::proxy_local);
}

TEST(RouteDecision, SourcesNotConfiguredAreIgnored) {
  auto document = seed_config_json();
  document["router_id"] = {{"sources", {"header"}}};
  RulesState state(seed_rules(1, 5997));
  Case query_only{"", "GET", 11, "/ws?routerId=1111", upgrade_fields(), Decision::Kind::proxy_local};
  EXPECT_EQ(run(query_only, config_from(document), state).kind, Decision::Kind::proxy_local);
}

TEST(RouteDecision, ProxyCorrectionAndLoopGuard) {
  auto document = seed_config_json();
  document["correction"] = "proxy";
  GatewayConfig config = config_from(document);
  RulesState state(seed_rules(1, 5997));
  Case other{"", "GET", 11, "/ws", upgrade_fields({{"routerId", "1111"}}), Decision::Kind::proxy_to_unit};
  Decision d = run(other, config, state);
  EXPECT_EQ(d.kind, Decision::Kind::proxy_to_unit);
  EXPECT_EQ(d.unit, "center");
  EXPECT_EQ(d.slot, 1111u);
  Case looped{"",
              "GET",
              11,
              "/ws",
              upgrade_fields({{"routerId", "1111"}, {"X-Wsfo-Forwarded-By", "center/gw1"}}),
              Decision::Kind::reject};
  d = run(looped, config, state);
  EXPECT_EQ(d.status, 508);
  EXPECT_EQ(d.rule, "forward-loop");
  Case forwarded_own{"",
                     "GET",
                     11,
                     "/ws",
                     upgrade_fields({{"routerId", "8330"}, {"X-Wsfo-Forwarded-By", "center/gw1"}}),
                     Decision::Kind::proxy_local};
  EXPECT_EQ(run(forwarded_own, config, state).kind, Decision::Kind::proxy_local);
}

// A browser (an Origin header) cannot follow a 302 on the upgrade: with
// browser_correction "proxy" it is forwarded, every other client still redirected.
TEST(RouteDecision, BrowsersHaveTheirOwnCorrection) {
  auto document = seed_config_json();
  document["browser_correction"] = "proxy";
  GatewayConfig config = config_from(document);
  RulesState state(seed_rules(1, 5997));
  Case browser{"",
               "GET",
               11,
               "/ws?routerId=1111",
               upgrade_fields({{"Origin", "http://websocket.msha.tech"}}),
               Decision::Kind::proxy_to_unit};
  Decision d = run(browser, config, state);
  EXPECT_EQ(d.kind, Decision::Kind::proxy_to_unit);
  EXPECT_EQ(d.rule, "proxy-correction");
  EXPECT_EQ(d.unit, "center");
  Case library{"", "GET", 11, "/ws?routerId=1111", upgrade_fields(), Decision::Kind::redirect};
  d = run(library, config, state);
  EXPECT_EQ(d.kind, Decision::Kind::redirect);
  EXPECT_EQ(d.location, "ws://center.websocket.msha.tech:8080/ws?routerId=1111");
  // A browser of this unit is served here; one forwarded already is not sent on again.
  Case own{"", "GET", 11, "/ws?routerId=8330", upgrade_fields({{"origin", "null"}}), Decision::Kind::proxy_local};
  EXPECT_EQ(run(own, config, state).kind, Decision::Kind::proxy_local);
  Case forwarded{"",
                 "GET",
                 11,
                 "/ws?routerId=1111",
                 upgrade_fields({{"Origin", "http://a"}, {"X-Wsfo-Forwarded-By", "center/gw1"}}),
                 Decision::Kind::reject};
  EXPECT_EQ(run(forwarded, config, state).status, 508);
  // The reverse: proxy for everyone, redirect for browsers (which then fail, by design).
  document["correction"] = "proxy";
  document["browser_correction"] = "redirect";
  config = config_from(document);
  EXPECT_EQ(run(browser, config, state).kind, Decision::Kind::redirect);
  EXPECT_EQ(run(library, config, state).kind, Decision::Kind::proxy_to_unit);
  // Without the setting a browser is corrected like everyone else.
  document.erase("browser_correction");
  EXPECT_EQ(run(browser, config_from(document), state).kind, Decision::Kind::proxy_to_unit);
}

TEST(RouteDecision, ConnectionLimitAppliesOnlyToProxiedConnections) {
  GatewayConfig config = seed_config();  // max_connections 100
  RulesState state(seed_rules(1, 5997));
  Case own{"", "GET", 11, "/ws", upgrade_fields({{"routerId", "8330"}}), Decision::Kind::reject};
  EXPECT_EQ(run(own, config, state, 99).kind, Decision::Kind::proxy_local);
  Decision d = run(own, config, state, 100);
  EXPECT_EQ(d.status, 503);
  EXPECT_EQ(d.rule, "connection-limit");
  EXPECT_EQ(d.retry_after, std::chrono::seconds(2));
  Case other{"", "GET", 11, "/ws", upgrade_fields({{"routerId", "1111"}}), Decision::Kind::redirect};
  EXPECT_EQ(run(other, config, state, 100).kind, Decision::Kind::redirect);
}

TEST(RouteDecision, TokenListsAreCaseInsensitive) {
  EXPECT_TRUE(has_token({"keep-alive, Upgrade"}, "upgrade"));
  EXPECT_TRUE(has_token({"close", "UPGRADE"}, "upgrade"));
  EXPECT_FALSE(has_token({"upgrades"}, "upgrade"));
  EXPECT_FALSE(has_token({}, "upgrade"));
}

// ---- The answers (core/gateway/answers) the gateway and the model give: what a client is told. ----

TEST(GatewayAnswers, ReasonPhraseOfEveryStatusTheGatewaySends) {
  const std::vector<std::pair<int, std::string_view>> phrases = {
      {302, "Found"},
      {400, "Bad Request"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {426, "Upgrade Required"},
      {431, "Request Header Fields Too Large"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {508, "Loop Detected"},
  };
  for (const auto& [status, phrase] : phrases) {
    SCOPED_TRACE(status);
    EXPECT_EQ(reason_phrase(status), phrase);
    Answer answer;
    answer.status = status;
    EXPECT_EQ(answer.phrase(), phrase);
  }
  // A status the gateway never sends itself has no phrase of its own.
  EXPECT_EQ(reason_phrase(500), "Error");
  EXPECT_EQ(reason_phrase(101), "Error");
}

struct Expected {
  int status;
  RejectReason refusal;
  std::string body;
  Headers headers = {};
};

void expect_refusal(const Answer& answer, const Expected& expected) {
  EXPECT_EQ(answer.status, expected.status);
  ASSERT_TRUE(answer.refusal.has_value());
  EXPECT_EQ(*answer.refusal, expected.refusal);
  EXPECT_EQ(answer.body, expected.body);
  EXPECT_EQ(answer.header_fields(), expected.headers);
}

TEST(GatewayAnswers, RefusalsWhileReadingTheRequestHead) {
  expect_refusal(handshake_timed_out(std::chrono::seconds(5)),
                 {408, RejectReason::handshake_timeout, "no complete request head within 5s"});
  expect_refusal(handshake_timed_out(std::chrono::milliseconds(1500)),
                 {408, RejectReason::handshake_timeout, "no complete request head within 1500ms"});
  expect_refusal(head_too_large(8192), {431, RejectReason::header_too_large, "request head exceeds 8192 bytes"});
  expect_refusal(request_with_body(), {400, RejectReason::bad_request, "a WebSocket upgrade request has no body"});
  expect_refusal(malformed_request("bad method"),
                 {400, RejectReason::bad_request, "malformed HTTP request: bad method"});
  // Not serving: no Retry-After, the node may stay stopped for long.
  expect_refusal(not_serving(), {503, RejectReason::not_serving, "gateway is not serving"});
}

Decision proxying(Decision::Kind kind, std::string unit) {
  Decision decision;
  decision.kind = kind;
  decision.unit = std::move(unit);
  return decision;
}

TEST(GatewayAnswers, RefusalsOfAProxiedHandshakeNameTheUpstream) {
  const Decision local = proxying(Decision::Kind::proxy_local, "unbj");
  const Decision to_center = proxying(Decision::Kind::proxy_to_unit, "center");
  // The whole target, query included, as the client sent it.
  expect_refusal(no_route("/chat/x?routerId=6249"),
                 {404, RejectReason::no_route, "no route for path '/chat/x?routerId=6249'"});
  expect_refusal(no_upstream_answered(local, "127.0.0.1:9001 (Connection refused)"),
                 {502, RejectReason::no_backend, "no backend answered: 127.0.0.1:9001 (Connection refused)"});
  expect_refusal(
      no_upstream_answered(to_center, "127.0.1.1:8080 (Connection refused), 127.0.1.2:8080 (Connection timed out)"),
      {502, RejectReason::no_backend,
       "no gateway of unit center answered: 127.0.1.1:8080 (Connection refused), 127.0.1.2:8080 (Connection timed "
       "out)"});
  expect_refusal(
      upstream_handshake_failed(local, "Connection reset by peer"),
      {502, RejectReason::no_backend, "upstream backend failed during the handshake: Connection reset by peer"});
  expect_refusal(upstream_handshake_failed(to_center, "Operation timed out"),
                 {502, RejectReason::no_backend, "upstream gateway failed during the handshake: Operation timed out"});
  // The gateway's own shortage of descriptors blames no upstream and asks the client to come back.
  expect_refusal(out_of_descriptors("Too many open files", std::chrono::milliseconds(1500)),
                 {503,
                  RejectReason::out_of_descriptors,
                  "gateway cannot open an upstream connection: Too many open files",
                  {{"Retry-After", "2"}}});
  EXPECT_EQ(label(RejectReason::out_of_descriptors), "out_of_descriptors");
  EXPECT_EQ(label(RejectReason::handshake_cap), "handshake_cap");
  EXPECT_EQ(label(*no_route("/").refusal), "no_route");
  EXPECT_EQ(label(*no_upstream_answered(local, "").refusal), "no_backend");
}

Decision decide_for(const GatewayConfig& config, const RulesState& state, Fields extra, std::size_t live = 0,
                    std::string_view target = "/ws") {
  RequestHead head{"GET", 11, target, upgrade_fields(extra)};
  return decide(DecisionInputs{head, config, state, live});
}

TEST(GatewayAnswers, TheTablesRefusalsKeepTheirTextsAndHeaders) {
  GatewayConfig config = seed_config();
  RulesState state(seed_rules(1, 5997));
  // 426: tells the client what to send.
  RequestHead plain{"GET", 11, "/ws", {{"Host", "h"}}};
  expect_refusal(answer_to(decide(DecisionInputs{plain, config, state, 0})),
                 {426,
                  RejectReason::not_upgrade,
                  "this endpoint only accepts WebSocket upgrades (Connection: Upgrade, Upgrade: websocket)",
                  {{"Upgrade", "websocket"}}});
  // 400: a malformed routerId.
  Answer malformed = answer_to(decide_for(config, state, {{"routerId", "12a4"}}));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.refusal, RejectReason::malformed_router_id);
  EXPECT_NE(malformed.body.find("'a' at position 2"), std::string::npos) << malformed.body;
  EXPECT_TRUE(malformed.header_fields().empty());
  // 503 at the connection limit: Retry-After in whole seconds, from limits.retry_after.
  expect_refusal(answer_to(decide_for(config, state, {{"routerId", "8330"}}, 100)),
                 {503, RejectReason::too_many_connections, "too many connections (limit 100)", {{"Retry-After", "2"}}});
  // 508: a handshake another unit's gateway forwarded, which this one would forward again.
  auto document = seed_config_json();
  document["correction"] = "proxy";
  GatewayConfig proxying_config = config_from(document);
  RulesState proxying_state(seed_rules(1, 5997));
  expect_refusal(
      answer_to(
          decide_for(proxying_config, proxying_state, {{"routerId", "1111"}, {kForwardedByHeader, "center/gw1"}})),
      {508, RejectReason::forward_loop,
       "forwarded by center/gw1 but this gateway's rules v1 give it to unit center; not forwarding it again"});
}

TEST(GatewayAnswers, ARedirectIsNoRefusalAndCarriesItsLocation) {
  GatewayConfig config = seed_config();
  RulesState state(seed_rules(1, 5997));
  Answer answer = answer_to(decide_for(config, state, {{"routerId", "1111"}}, 0, "/ws?room=7"));
  EXPECT_EQ(answer.status, 302);
  EXPECT_EQ(answer.phrase(), "Found");
  EXPECT_FALSE(answer.refusal.has_value());
  EXPECT_EQ(answer.body, "routerId 1111 (slot 1111) belongs to unit center");
  EXPECT_EQ(answer.header_fields(), (Headers{{"Location", "ws://center.websocket.msha.tech:8080/ws?room=7"}}));
}

TEST(GatewayAnswers, HeadersComeInTheOrderTheGatewayWritesThem) {
  Answer answer;
  answer.status = 503;
  answer.headers = {{"X-One", "1"}};
  answer.location = "ws://elsewhere/";
  answer.retry_after = std::chrono::seconds(3);
  EXPECT_EQ(answer.header_fields(), (Headers{{"X-One", "1"}, {"Location", "ws://elsewhere/"}, {"Retry-After", "3"}}));
}

}  // namespace
}  // namespace wsfo::gateway
