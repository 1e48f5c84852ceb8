// The simulator's compact event log spells out the history format of
// docs/history.md: every kind passes the reader's field checks.
#include "simulator/model/sim_log.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace wsfo::model {
namespace {

struct Fixture {
  StringTable urls, texts;
  LogNames names;
  Fixture() {
    names.router_ids = {6249};
    names.client_group = {0};
    names.group_names = {"fleet"};
    names.node_names = {"center-gw1"};
    names.node_units = {"center"};
    names.node_addresses = {"127.0.10.1:8020"};
    names.backend_labels = {"hangzhou"};
    names.backend_names = {"hangzhou-app1"};
    names.action_names = {"cutover"};
    urls.intern("ws://websocket.msha.tech:8020/ws");
    urls.intern("ws://center.websocket.msha.tech:8020/ws");
    texts.intern("http_status");
    texts.intern("HTTP 503 Service Unavailable: slot 6249 is fenced (rules v2)");
    texts.intern("moved from unbj to center by rules v2");
    names.urls = &urls;
    names.texts = &texts;
  }
};

history::Event round_trip(const LogRecord& record, const LogNames& names) {
  std::string error;
  auto parsed = history::parse_event_line(history::to_json_line(to_event(record, names)), error);
  EXPECT_TRUE(parsed) << error;
  return parsed.value_or(history::Event{});
}

TEST(SimLog, EveryKindIsAValidHistoryLine) {
  Fixture f;
  LogRecord attempt{1000, 0, LogKind::attempt, 0, 0, 0, 0, 3, 0, 0, 0};
  auto e = round_trip(attempt, f.names);
  EXPECT_EQ(e.kind, "attempt");
  EXPECT_EQ(e.router_id, 6249u);
  EXPECT_EQ(e.source, "fleet");
  EXPECT_EQ(e.fields["attempt"], 3);
  EXPECT_EQ(e.fields["address"], "127.0.10.1:8020");

  LogRecord redirect{2000, 0, LogKind::redirect, 0, 0, 0, 1, 302, 0, 0, 0};
  e = round_trip(redirect, f.names);
  EXPECT_EQ(e.fields["to"], "ws://center.websocket.msha.tech:8020/ws");
  EXPECT_EQ(e.fields["status"], 302);

  LogRecord connected{3000, 0, LogKind::connected, 0, 0, 1, 0, 1, 0, 0, 412000};
  e = round_trip(connected, f.names);
  EXPECT_EQ(e.fields["unit"], "center");
  EXPECT_EQ(e.fields["backend"], "hangzhou");
  EXPECT_EQ(e.fields["backend_name"], "hangzhou-app1");
  EXPECT_EQ(e.fields["handshake_ns"], 412000);
  EXPECT_EQ(e.fields["redirects"], 1);

  LogRecord rejected{4000, 0, LogKind::rejected, 0, 0, 1, 0, 503, 0, 1, 1000000000};
  e = round_trip(rejected, f.names);
  EXPECT_EQ(e.fields["status"], 503);
  EXPECT_EQ(e.fields["retry_after_ns"], 1000000000);
  LogRecord refused{4000, 0, LogKind::rejected, 0, 0, 1, 0, 0, 0, 0, -1};
  e = round_trip(refused, f.names);
  EXPECT_FALSE(e.fields.contains("status"));
  EXPECT_FALSE(e.fields.contains("retry_after_ns"));
  EXPECT_FALSE(e.fields.contains("redirects"));
  LogRecord loop{4000, 0, LogKind::rejected, 2, 0, 1, 0, 302, 0, 0, -1};  // sub: redirects followed
  EXPECT_EQ(round_trip(loop, f.names).fields["redirects"], 2);

  LogRecord moved{
      5000, 0,         LogKind::disconnected, static_cast<std::uint8_t>(CloseCause::server_close), 0, 0, 0, 4001, 2,
      0,    4999000000};
  e = round_trip(moved, f.names);
  EXPECT_EQ(e.fields["code"], 4001);
  EXPECT_EQ(e.fields["cause"], "server_close");
  EXPECT_EQ(e.fields["closed_by"], "server");
  LogRecord lost{6000, 0, LogKind::disconnected, static_cast<std::uint8_t>(CloseCause::connection_lost), 0, 0, 0, 0, 2,
                 0,    1};
  e = round_trip(lost, f.names);
  EXPECT_FALSE(e.fields.contains("code"));
  EXPECT_EQ(e.fields["closed_by"], "network");
}

TEST(SimLog, SlimEventsKeepWhatTheChecksRead) {
  Fixture f;
  EXPECT_FALSE(to_slim_event({1, 0, LogKind::attempt, 0, 0, 0, 0, 1, 0, 0, 0}, f.names));
  auto moved = to_slim_event({5000, 0, LogKind::disconnected, 0, 0, 0, 0, 4001, 2, 0, 1}, f.names);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->fields["code"], 4001);
  EXPECT_EQ(moved->fields["unit"], "center");
  auto connected = to_slim_event({3000, 0, LogKind::connected, 0, 0, 1, 0, 1, 0, 0, 1}, f.names);
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->fields["unit"], "center");
  EXPECT_EQ(connected->router_id, 6249u);
}

// write_history spells lines itself; they must equal to_json_line(to_event())
// for every kind and variant, and for texts that need escaping or are UTF-8.
TEST(SimLog, WrittenHistoryEqualsTheEventsLines) {
  Fixture f;
  f.texts.intern("quote \" backslash \\ newline \n tab \t bell \x07");
  f.texts.intern("caf\xc3\xa9 and a stray \xff byte");
  f.names.group_names = {"fleet \"east\""};
  f.names.action_names = {"cutover"};
  const auto cause = [](CloseCause c) { return static_cast<std::uint8_t>(c); };
  std::vector<LogRecord> records = {
      {1000, 0, LogKind::attempt, 0, 0, 0, 0, 3, 0, 0, 0},
      {2000, 0, LogKind::redirect, 0, 0, 0, 1, 302, 0, 0, 0},
      {3000, 0, LogKind::connected, 0, 0, 1, 0, 1, 0, 0, 412000},
      {4000, 0, LogKind::rejected, 0, 0, 1, 0, 503, 0, 1, 1000000000},
      {4000, 0, LogKind::rejected, 0, 0, 1, 0, 0, 3, 4, -1},
      {4000, 0, LogKind::rejected, 2, 0, 1, 0, 302, 0, 1, -1},
      {5000, 0, LogKind::disconnected, cause(CloseCause::server_close), 0, 0, 0, 4001, 2, 0, 4999000000},
      {6000, 0, LogKind::disconnected, cause(CloseCause::connection_lost), 0, 0, 0, 0, 3, 0, 1},
      {7000, 0, LogKind::action, 0, 0, 0, 0, 0, 0, 0, 0},
  };
  std::ostringstream written;
  write_history(records, f.names, written);
  std::string expected;
  for (const auto& r : records) expected += history::to_json_line(to_event(r, f.names)) + "\n";
  EXPECT_EQ(written.str(), expected);
}

TEST(SimLog, StringTableInternsOnce) {
  StringTable table;
  EXPECT_EQ(table.intern("a"), 0u);
  EXPECT_EQ(table.intern("b"), 1u);
  EXPECT_EQ(table.intern("a"), 0u);
  EXPECT_EQ(table.at(1), "b");
}

// The simulator's reject path holds at() of one string while it interns
// others (ASan caught a use-after-free when the table was a vector).
TEST(SimLog, AReferenceFromAtSurvivesLaterInterning) {
  StringTable table;
  const std::string& held = table.at(table.intern("HTTP 503 Service Unavailable: slot 6249 is fenced"));
  for (int i = 0; i < 1000; ++i) table.intern("reason " + std::to_string(i));
  EXPECT_EQ(held, "HTTP 503 Service Unavailable: slot 6249 is fenced");
  EXPECT_EQ(table.intern(held), 0u);
}

}  // namespace
}  // namespace wsfo::model
