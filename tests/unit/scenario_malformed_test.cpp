// Malformed scenarios: each snippet is a valid base scenario with one change,
// and must produce exactly one problem with the expected pointer and message.
#include <gtest/gtest.h>

#include "core/scenario/scenario_loader.hpp"
#include "tests/unit/test_scenarios.hpp"

namespace {

using wsfo::json::Json;

const char* kBase = R"({
  "name": "base",
  "duration": "60s",
  "units": [
    {"name": "center", "label": "hangzhou", "subdomain": "center.example.test",
     "public_url": "ws://center.example.test:8020",
     "nodes": [{"name": "c1", "address": "127.0.10.1", "port": 8020, "admin_port": 9020}],
     "backends": [{"name": "capp", "address": "127.0.10.21", "port": 8010}],
     "routes": [{"prefix": "/", "backends": ["capp"]}]},
    {"name": "unbj", "label": "beijing", "subdomain": "unbj.example.test",
     "public_url": "ws://unbj.example.test:8020",
     "nodes": [{"name": "u1", "address": "127.0.20.1", "port": 8020, "admin_port": 9020},
               {"name": "u2", "address": "127.0.20.2", "port": 8020, "admin_port": 9020}],
     "vips": [{"name": "vip-a", "address": "127.0.20.110", "port": 8020, "vrid": 51, "advert_int": "1s",
               "priorities": {"u1": 100, "u2": 50}}],
     "backends": [{"name": "uapp", "address": "127.0.20.21", "port": 8010}],
     "routes": [{"prefix": "/", "backends": ["uapp"]}]}
  ],
  "domain": {"name": "example.test", "cname": "unbj"},
  "rules": {"version": 1, "ranges": [{"from": 0, "to": 5997, "unit": "center"},
                                     {"from": 5998, "to": 9999, "unit": "unbj"}]},
  "clients": [{"name": "g", "router_ids": [1111, 6249], "url": "ws://example.test:8020/ws",
               "heartbeat": {"interval": "10s", "timeout": "30s"}}],
  "timeline": [
    {"at": "10s", "action": "cutover",
     "rules": {"version": 2, "ranges": [{"from": 0, "to": 6380, "unit": "center"},
                                        {"from": 6381, "to": 9999, "unit": "unbj"}]},
     "expect": {"disconnected": {"slots": [{"from": 5998, "to": 6380}]}, "land_in": "center"}},
    {"at": "20s", "action": "kill", "node": "u1"}
  ]
})";

struct Case {
  const char* title;
  const char* pointer;   // where the change is made
  const char* value;     // new JSON value there; nullptr removes the key
  const char* expected;  // the one problem, formatted "pointer: message"
};

std::vector<std::string> problems_after(const Case& c) {
  Json document = Json::parse(kBase);
  Json::json_pointer where(c.pointer);
  if (c.value)
    document[where] = Json::parse(c.value);
  else
    document[where.parent_pointer()].erase(where.back());
  wsfo::json::Problems problems;
  auto scenario = wsfo::scenario::read_scenario(document, problems);
  std::vector<std::string> out;
  for (const auto& p : problems.list()) out.push_back(wsfo::json::format(p));
  if (scenario) out.push_back("(a scenario was returned)");
  return out;
}

const Case kCases[] = {
    {"overlapping ranges", "/rules/ranges/1/from", "5000",
     "/rules/ranges/1: ranges [0, 5997] -> center and [5000, 9999] -> unbj overlap on slots 5000-5997 "
     "(see also /rules/ranges/0)"},
    {"overlapping ranges in a cutover", "/timeline/0/rules/ranges/0/to", "6500",
     "/timeline/0/rules/ranges/1: ranges [0, 6500] -> center and [6381, 9999] -> unbj overlap on slots 6381-6500 "
     "(see also /timeline/0/rules/ranges/0)"},
    {"unknown key", "/units/0/nodes/0/weight", "1", "/units/0/nodes/0/weight: unknown key 'weight'"},
    {"unknown top-level key", "/clientz", "[]", "/clientz: unknown key 'clientz'"},
    {"duration with a space", "/duration", "\"15 s\"",
     "/duration: expected a duration such as \"1500ms\" or \"3s\", got \"15 s\""},
    {"missing required key", "/units/0/nodes/0/port", nullptr,
     "/units/0/nodes/0/port: missing required key, expected an integer"},
    {"missing section", "/domain", nullptr, "/domain: missing required key, expected an object"},
    {"unknown unit in rules", "/rules/ranges/1/unit", "\"unsh\"",
     "/rules/ranges/1: range [5998, 9999] -> unsh names unknown unit 'unsh'"},
    {"unknown node in timeline", "/timeline/1/node", "\"u9\"", "/timeline/1/node: unknown node 'u9'"},
    {"negative count", "/clients/0/router_ids", R"({"random": {"count": -5, "seed": 1}})",
     "/clients/0/router_ids/random/count: expected an integer in [1, 10000000], got -5"},
    {"more random routerIds than the range holds", "/clients/0/router_ids",
     R"({"random": {"count": 20, "seed": 1, "from": 0, "to": 9}})",
     "/clients/0/router_ids/random/count: expected at most 10 distinct routerIds in [0, 9], got 20"},
    {"negative routerId", "/clients/0/router_ids/1", "-3",
     "/clients/0/router_ids/1: expected a routerId, an integer in [0, 9223372036854775807], got -3"},
    {"duplicate routerId", "/clients/0/router_ids/1", "1111",
     "/clients/0/router_ids/1: duplicate routerId '1111' (first at /clients/0/router_ids/0)"},
    {"VIP priority for a node of another unit", "/units/1/vips/0/priorities/c1", "70",
     "/units/1/vips/0/priorities/c1: unknown node 'c1': the nodes of unit 'unbj' are u1, u2"},
    {"VIP priority out of range", "/units/1/vips/0/priorities/u2", "255",
     "/units/1/vips/0/priorities/u2: expected a VRRP priority, an integer in [1, 254], got 255"},
    {"VIP advert interval not in whole centiseconds", "/units/1/vips/0/advert_int", "\"15ms\"",
     "/units/1/vips/0/advert_int: expected an advert interval of 10ms to 40s in whole centiseconds, got \"15ms\""},
    {"duplicate VRRP id", "/units/1/vips/1",
     R"({"name": "vip-b", "address": "127.0.20.112", "port": 8020, "vrid": 51, "advert_int": "1s",
         "priorities": {"u2": 100}})",
     "/units/1/vips/1/vrid: duplicate VRRP virtual_router_id '51' (first at /units/1/vips/0/vrid)"},
    {"event beyond the duration", "/timeline/1/at", "\"90s\"",
     "/timeline/1/at: expected a time within the run duration (60s), got \"90s\""},
    {"events out of order", "/timeline/1/at", "\"5s\"",
     "/timeline/1/at: events are out of order: expected a time not before the previous event (10s at "
     "/timeline/0/at), got \"5s\""},
    {"duplicate node name", "/units/0/nodes/0/name", "\"u1\"",
     "/units/1/nodes/0/name: duplicate node 'u1' (first at /units/0/nodes/0/name)"},
    {"duplicate node address", "/units/1/nodes/1/address", "\"127.0.10.1\"",
     "/units/1/nodes/1/address: duplicate address '127.0.10.1' (first at /units/0/nodes/0/address)"},
    {"backend on a node's port", "/units/0/backends/0", R"({"name": "capp", "address": "127.0.10.1", "port": 9020})",
     "/units/0/backends/0/port: address 127.0.10.1:9020 is already used by /units/0/nodes/0"},
    {"unknown announce", "/units/0/backends/0/announce", "\"everyone\"",
     "/units/0/backends/0/announce: expected one of \"all\", \"self\", got \"everyone\""},
    {"port out of range", "/units/0/backends/0/port", "70000",
     "/units/0/backends/0/port: expected an integer in [1, 65535], got 70000"},
    {"address off loopback", "/units/0/backends/0/address", "\"10.0.0.1\"",
     "/units/0/backends/0/address: expected a loopback IPv4 address 127.x.y.z, got \"10.0.0.1\""},
    {"a browser group sending a header", "/clients/0/browser", "true",
     "/clients/0/mode: a browser cannot set headers on a WebSocket: expected \"query\" or \"cookie\" for a group "
     "with \"browser\": true"},
    {"a browser group following redirects", "/clients/0",
     R"({"name": "g", "router_ids": [1111], "url": "ws://example.test:8020/ws", "mode": "query", "browser": true,
         "max_redirects": 3})",
     "/clients/0/max_redirects: a browser does not follow redirects on a WebSocket upgrade: max_redirects does not "
     "apply to a group with \"browser\": true"},
    {"unknown browser correction", "/gateway", R"({"browser_correction": "bounce"})",
     "/gateway/browser_correction: expected one of \"redirect\", \"proxy\", got \"bounce\""},
    {"CNAME to an unknown unit", "/domain/cname", "\"unsh\"", "/domain/cname: unknown unit 'unsh'"},
    {"land in an unknown unit", "/timeline/0/expect/land_in", "\"unsh\"",
     "/timeline/0/expect/land_in: unknown unit 'unsh'"},
    {"cutover without a newer version", "/timeline/0/rules/version", "1",
     "/timeline/0/rules/version: expected a version greater than 1 (the rules in force), got 1"},
    {"restore of a live node", "/timeline/1/action", "\"restore\"",
     "/timeline/1/node: node 'u1' is not killed: nothing to restore"},
    {"route to another unit's backend", "/units/0/routes/0/backends/0", "\"uapp\"",
     "/units/0/routes/0/backends/0: unknown backend 'uapp' in unit 'center'"},
    {"heartbeat timeout shorter than the interval", "/clients/0/heartbeat/timeout", "\"5s\"",
     "/clients/0/heartbeat/timeout: expected a timeout longer than the interval (10s), got \"5s\""},
    {"unknown expectation form", "/timeline/0/expect/disconnected", "\"all\"",
     "/timeline/0/expect/disconnected: expected \"none\" or an object with exactly one of \"router_ids\", "
     "\"slots\" or \"count\", got \"all\""},
    {"expected slots beyond the modulus", "/timeline/0/expect/disconnected/slots/0/to", "10000",
     "/timeline/0/expect/disconnected/slots/0/to: expected an integer in [0, 9999], got 10000"},
    {"client URL to an unknown host", "/clients/0/url", "\"ws://other.test/ws\"",
     "/clients/0/url: unknown host 'other.test': expected the domain 'example.test', a unit subdomain, or a node "
     "or VIP address"},
    {"client URL that is not a WebSocket URL", "/clients/0/url", "\"http://example.test/\"",
     "/clients/0/url: expected a WebSocket URL such as \"ws://websocket.msha.tech:8020/\": the scheme must be ws:// "
     "or wss://, got \"http://example.test/\""},
    {"wss:// client URL without tls", "/clients/0/url", "\"wss://example.test:8020/ws\"",
     "/clients/0/url: expected a ws:// URL: a wss:// URL needs \"tls\": true at the top of the scenario (the "
     "gateways speak plain WebSocket without it), got \"wss://example.test:8020/ws\""},
    {"wss:// public URL without tls", "/units/1/public_url", "\"wss://unbj.example.test:8020\"",
     "/units/1/public_url: expected a ws:// URL: a wss:// URL needs \"tls\": true at the top of the scenario (the "
     "gateways speak plain WebSocket without it), got \"wss://unbj.example.test:8020\""},
    {"tls not a boolean", "/tls", "\"yes\"", "/tls: expected a boolean, got a string"},
    {"gateway modulus other than the rules'", "/gateway", R"({"router_id": {"modulus": 1000}})",
     "/gateway/router_id/modulus: expected the modulus of /rules (10000), got 1000"},
    {"missing routerId policy naming an unknown unit", "/gateway", R"({"router_id": {"missing": "unsh"}})",
     "/gateway/router_id/missing: expected \"local\", \"reject\" or a unit name, got \"unsh\""},
    {"handshake cap of nothing", "/gateway", R"({"max_handshakes_in_progress": 0})",
     "/gateway/max_handshakes_in_progress: expected an integer in [1, 1000000], got 0"},
    {"skew with the fence on", "/timeline/0/skew", "\"200ms\"",
     "/timeline/0/skew: skew applies only without the fence (\"fence\": false)"},
    {"partition of a node with itself", "/timeline/1", R"({"at": "20s", "action": "partition", "a": "u1", "b": "u1"})",
     "/timeline/1/b: expected a node other than 'u1'"},
    {"parameter of another action", "/timeline/1/backend", "\"capp\"", "/timeline/1/backend: unknown key 'backend'"},
    {"clients-add of a group connected from the start", "/timeline/1",
     R"({"at": "20s", "action": "clients-add", "group": "g"})",
     "/timeline/1/group: client group 'g' is already connected (set \"connect_at_start\": false to add it later)"},
    {"more clients than one run can hold", "/clients/1",
     R"({"name": "many", "router_ids": {"random": {"count": 10000000, "seed": 1}}, "url": "ws://example.test/"})",
     "/clients: expected at most 10000000 clients in all groups, got 10000002"},
    {"VIP expectation naming a node without priority", "/timeline/1/expect",
     R"({"vips": [{"vip": "vip-a", "holder": "c1", "within": "4s"}]})",
     "/timeline/1/expect/vips/0/holder: node 'c1' has no priority for VIP 'vip-a'"},
    {"reach_backends naming no present backend", "/timeline/1/expect", R"({"reach_backends": ["uapp", "app9"]})",
     "/timeline/1/expect/reach_backends: unknown backend 'app9' (not present at this event)"},
    {"reach_backends with a non-name", "/timeline/1/expect", R"({"reach_backends": ["uapp", 7]})",
     "/timeline/1/expect/reach_backends/1: expected a backend name, got 7"},
    {"skip of an unknown pre-check", "/timeline/0/skip", R"(["gateways-reachable", "no-such"])",
     "/timeline/0/skip/1: unknown pre-check 'no-such' (expected one of rules-valid, gateways-reachable, "
     "same-version, target-serving, capacity-headroom)"},
    {"skip of one pre-check twice", "/timeline/0/skip", R"(["same-version", "same-version"])",
     "/timeline/0/skip/1: pre-check 'same-version' is already skipped"},
    {"step deadline of nothing", "/timeline/0/step_deadline", "\"0s\"",
     "/timeline/0/step_deadline: expected a duration above 0"},
    {"admin-restore of an admin API without a fault", "/timeline/1",
     R"({"at": "20s", "action": "admin-restore", "node": "u1"})",
     "/timeline/1/node: the admin API of node 'u1' is neither unreachable nor slow: nothing to restore"},
    {"admin-slow as slow as the admin timeout", "/timeline/1",
     R"({"at": "20s", "action": "admin-slow", "node": "u1", "delay": "3s"})",
     "/timeline/1/delay: expected a delay above 0 and below the admin calls' timeout (3s), got \"3s\" (use "
     "admin-unreachable)"},
    {"split_brain not a boolean", "/timeline/1/expect", R"({"split_brain": "yes"})",
     "/timeline/1/expect/split_brain: expected a boolean, got a string"},
};

class MalformedScenario : public testing::TestWithParam<Case> {};

TEST_P(MalformedScenario, ReportsExactlyTheExpectedProblem) {
  const Case& c = GetParam();
  EXPECT_EQ(problems_after(c), std::vector<std::string>{c.expected}) << c.title;
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedScenario, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return "case" + std::to_string(info.index); });

TEST(MalformedScenario, BaseIsValid) {
  wsfo::json::Problems problems;
  auto scenario = wsfo::scenario::read_scenario(Json::parse(kBase), problems);
  ASSERT_TRUE(scenario.has_value()) << (problems.empty() ? "" : wsfo::json::format(problems.list().front()));
  EXPECT_EQ(scenario->timeline.size(), 2u);
}

TEST(MalformedScenario, SplitBrainIsReadAndNeedsAVip) {
  Json document = Json::parse(kBase);
  document["timeline"][1]["expect"] = Json{{"split_brain", false}};
  wsfo::json::Problems problems;
  auto scenario = wsfo::scenario::read_scenario(document, problems);
  ASSERT_TRUE(scenario.has_value());
  EXPECT_EQ(scenario->timeline[1].expect.split_brain, std::optional<bool>(false));
  EXPECT_FALSE(scenario->timeline[0].expect.split_brain.has_value());
  document["units"][1].erase("vips");
  wsfo::json::Problems without_vip;
  EXPECT_FALSE(wsfo::scenario::read_scenario(document, without_vip).has_value());
  ASSERT_EQ(without_vip.list().size(), 1u);
  EXPECT_EQ(wsfo::json::format(without_vip.list()[0]),
            "/timeline/1/expect/split_brain: the scenario has no VIP, so no split brain can be judged");
}

// "tls_to_backends" re-encrypts with the run's CA, which only a TLS run makes:
// without "tls" it is named; with it, it is read.
TEST(MalformedScenario, TlsToBackendsNeedsTls) {
  Json document = Json::parse(kBase);
  document["tls_to_backends"] = true;
  wsfo::json::Problems problems;
  EXPECT_FALSE(wsfo::scenario::read_scenario(document, problems).has_value());
  ASSERT_EQ(problems.list().size(), 1u);
  EXPECT_EQ(wsfo::json::format(problems.list()[0]),
            "/tls_to_backends: needs \"tls\": true (the backends' certificates come from the run's CA, made for a "
            "TLS run)");
  document["tls_to_backends"] = "yes";
  wsfo::json::Problems typed;
  EXPECT_FALSE(wsfo::scenario::read_scenario(document, typed).has_value());
  ASSERT_FALSE(typed.list().empty());
  EXPECT_EQ(typed.list()[0].pointer, "/tls_to_backends");

  auto tls = wsfo::test::load_project_scenario("regression/seed-cutover-tls.json");
  EXPECT_FALSE(tls.tls_to_backends) << "plain to the backends by default";
}

// With "tls": true every public_url and client URL is wss://: one left at
// ws:// is named, and nothing else.
TEST(MalformedScenario, TlsNeedsEveryUrlToBeWss) {
  Json document = Json::parse(kBase);
  document["tls"] = true;
  document["units"][0]["public_url"] = "wss://center.example.test:8020";
  document["units"][1]["public_url"] = "wss://unbj.example.test:8020";
  document["clients"][0]["url"] = "wss://example.test:8020/ws";
  wsfo::json::Problems problems;
  auto scenario = wsfo::scenario::read_scenario(document, problems);
  ASSERT_TRUE(scenario.has_value()) << (problems.empty() ? "" : wsfo::json::format(problems.list().front()));
  EXPECT_TRUE(scenario->tls);
  EXPECT_EQ(scenario->clients[0].url.scheme, "wss");
  EXPECT_EQ(scenario->clients[0].url.port, 8020);
  EXPECT_FALSE(wsfo::scenario::read_scenario(Json::parse(kBase), problems)->tls) << "plain by default";

  for (const char* pointer : {"/units/0/public_url", "/clients/0/url"}) {
    Json mixed = document;
    std::string& url = mixed[Json::json_pointer(pointer)].get_ref<std::string&>();
    url.replace(0, 3, "ws");
    wsfo::json::Problems found;
    EXPECT_FALSE(wsfo::scenario::read_scenario(mixed, found).has_value());
    ASSERT_EQ(found.list().size(), 1u) << pointer;
    EXPECT_EQ(wsfo::json::format(found.list()[0]),
              std::string(pointer) + ": expected a wss:// URL: the scenario has \"tls\": true, so every gateway speaks "
                                     "TLS only, got \"" + url + "\"");
  }
}

TEST(MalformedScenario, InvalidJsonNamesTheByte) {
  auto loaded = wsfo::scenario::parse_scenario("{\"name\": ");
  ASSERT_FALSE(loaded.scenario);
  ASSERT_EQ(loaded.problems.list().size(), 1u);
  EXPECT_NE(loaded.problems.list()[0].message.find("invalid JSON at byte"), std::string::npos);
  EXPECT_FALSE(loaded.unreadable);
}

TEST(MalformedScenario, MissingFileIsUnreadable) {
  auto loaded = wsfo::scenario::load_scenario_file("/nonexistent/wsfo/scenario.json");
  EXPECT_TRUE(loaded.unreadable);
  EXPECT_FALSE(loaded.scenario);
}

}  // namespace
