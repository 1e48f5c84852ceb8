// core/history's records: each kind's fields spelled once, as an Event and as
// a line written directly; both must agree byte for byte and pass the
// reader's field checks.
#include <gtest/gtest.h>

#include "core/history/records.hpp"

namespace wsfo::history {
namespace {

const Stamp kClient{81234000000000, "clients", 6249};
const Stamp kNode{81241000000000, "server2", std::nullopt};

RejectedRecord rejected_record(std::string_view url, std::string_view error, std::string_view reason) {
  RejectedRecord record;
  record.url = url;
  record.error = error;
  record.reason = reason;
  return record;
}

DisconnectedRecord disconnected_record(std::string_view cause, std::string_view reason, std::string_view backend) {
  DisconnectedRecord record;
  record.cause = cause;
  record.reason = reason;
  record.closed_by = cause == "connection_lost" ? "network" : "server";
  record.unit = "unbj";
  record.backend = backend;
  return record;
}

template <class Record>
Event checked(const Stamp& stamp, const Record& record) {
  Event event = make_event(stamp, record);
  std::string line;
  append_line(line, stamp, record);
  EXPECT_EQ(line, to_json_line(event) + "\n");
  std::string error;
  auto parsed = parse_event_line(line.substr(0, line.size() - 1), error);
  EXPECT_TRUE(parsed) << error << ": " << line;
  if (parsed) {
    EXPECT_EQ(*parsed, event) << line;
  }
  return event;
}

TEST(HistoryRecords, ClientKindsSpellTheirFields) {
  auto attempt = checked(kClient, AttemptRecord{"ws://websocket.msha.tech:8020/", "127.0.0.1:8020", 1});
  EXPECT_EQ(to_json_line(attempt), R"({"t_ns":81234000000000,"kind":"attempt","source":"clients","routerId":6249,)"
                                   R"("address":"127.0.0.1:8020","attempt":1,"url":"ws://websocket.msha.tech:8020/"})");
  EXPECT_FALSE(checked(kClient, AttemptRecord{"ws://a/", "", 2}).fields.contains("address"));

  auto redirect = checked(kClient, RedirectRecord{"ws://a:1/", "ws://b:1/", 302});
  EXPECT_EQ(redirect.fields, Json({{"from", "ws://a:1/"}, {"to", "ws://b:1/"}, {"status", 302}}));

  auto connected = checked(kClient, ConnectedRecord{"ws://b:1/", "unbj", "unbj-1", "beijing", "", 412000, 1});
  EXPECT_EQ(connected.kind, "connected");
  EXPECT_FALSE(connected.fields.contains("backend_name"));
  EXPECT_EQ(checked(kClient, ConnectedRecord{"ws://b:1/", "unbj", "unbj-1", "beijing", "unbj-app1", 1, 0})
                .fields["backend_name"],
            "unbj-app1");

  RejectedRecord fenced = rejected_record("ws://center:1/", "http_status", "HTTP 503 Service Unavailable: fenced");
  fenced.status = 503;
  fenced.retry_after_ns = 1'000'000'000;
  auto rejected = checked(kClient, fenced);
  EXPECT_EQ(rejected.fields["retry_after_ns"], 1'000'000'000);
  EXPECT_EQ(rejected.fields["status"], 503);
  EXPECT_FALSE(rejected.fields.contains("redirects"));
  RejectedRecord loop = rejected_record("ws://unbj:1/", "redirect_loop", "redirect loop: a -> b");
  loop.status = 302;
  loop.redirects = 2;
  EXPECT_EQ(checked(kClient, loop).fields["redirects"], 2);
  auto refused = checked(kClient, rejected_record("ws://a/", "refused", "connect to x: Connection refused"));
  EXPECT_FALSE(refused.fields.contains("status"));
  EXPECT_FALSE(refused.fields.contains("retry_after_ns"));

  DisconnectedRecord moved = disconnected_record("server_close", "moved from unbj to center by rules v2", "beijing");
  moved.code = 4001;
  moved.connected_ns = 4999000000;
  EXPECT_EQ(checked(kClient, moved).fields["code"], 4001);
  EXPECT_FALSE(checked(kClient, disconnected_record("connection_lost", "end of stream", "")).fields.contains("code"));

  EXPECT_EQ(checked(kClient, GapRecord{"beijing", 2, 41}).fields["after_seq"], 41);
}

TEST(HistoryRecords, OrchestratorAndVrrpKinds) {
  auto action = checked({10, "orchestrator", std::nullopt}, ActionRecord{0, "cutover"});
  EXPECT_FALSE(action.router_id);
  EXPECT_EQ(action.fields, Json({{"index", 0}, {"action", "cutover"}}));
  auto vip = checked(kNode, VipRecord{"vip-112", "server2", "127.0.2.112", "BACKUP", "MASTER", "startup", 50});
  EXPECT_EQ(vip.fields["priority"], 50);
  auto failed = checked(kNode, VipBindRecord{false, "vip-112", "server2", "127.0.2.112", "address in use", 8020});
  EXPECT_EQ(failed.kind, "vip-bind-failed");
  EXPECT_EQ(checked(kNode, VipBindRecord{true, "vip-112", "server2", "127.0.2.112", "", 8020}).kind, "vip-bound");
  EXPECT_EQ(checked(kNode, VipPriorityRecord{"vip-112", "server2", 100, 80}).fields["to"], 80);
}

// Texts that need escaping, or are not UTF-8, are written as the JSON library writes them.
TEST(HistoryRecords, DirectLinesEscapeAsTheJsonLibrary) {
  checked({1, "fleet \"east\"", 7},
          rejected_record("ws://a/", "bad_http", "quote \" backslash \\ newline \n bell \x07"));
  // Not UTF-8: replaced on the way out, so the line reads back different from the Event.
  DisconnectedRecord stray = disconnected_record("server_close", "caf\xc3\xa9 and a stray \xff byte", "");
  std::string line;
  append_line(line, {1, "fleet", 7}, stray);
  EXPECT_EQ(line, to_json_line(make_event({1, "fleet", 7}, stray)) + "\n");
}

// The slim events of large simulated runs keep the fields they are asked for.
TEST(HistoryRecords, AKeepFilterDropsTheOtherFields) {
  auto slim = make_event(kClient, ConnectedRecord{"ws://b:1/", "unbj", "unbj-1", "beijing", "app", 1, 0},
                         [](std::string_view name) { return name == "unit"; });
  EXPECT_EQ(slim.fields, Json({{"unit", "unbj"}}));
  EXPECT_EQ(slim.router_id, 6249u);
}

}  // namespace
}  // namespace wsfo::history
