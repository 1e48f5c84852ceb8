#include <gtest/gtest.h>

#include "core/history/event.hpp"

namespace wsfo::history {
namespace {

Event connected_event() {
  Event e;
  e.kind = "connected";
  e.t_ns = 123456789012;
  e.source = "clients";
  e.router_id = 1111;
  e.fields = {{"url", "ws://center:1/"}, {"unit", "center"},       {"node", "center-1"},
              {"backend", "hangzhou"},   {"handshake_ns", 350000}, {"redirects", 1}};
  return e;
}

TEST(HistoryEvent, RoundTripsThroughOneLine) {
  auto e = connected_event();
  auto line = to_json_line(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_TRUE(line.starts_with(R"({"t_ns":123456789012,"kind":"connected","source":"clients","routerId":1111,)"))
      << line;
  std::string error;
  auto back = parse_event_line(line, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, e);
}

TEST(HistoryEvent, EventsWithoutRouterIdAndUnknownKindsAreAccepted) {
  Event e;
  e.kind = "vip_transition";  // a kind written by another part of the project
  e.t_ns = 5;
  e.source = "node-a";
  e.fields = {{"vip", "127.0.10.1"}, {"state", "MASTER"}};
  std::string error;
  auto back = parse_event_line(to_json_line(e), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, e);
  EXPECT_FALSE(back->router_id);
}

TEST(HistoryEvent, StringsAreEscaped) {
  auto e = connected_event();
  e.fields["unit"] = "a\"b\nc";
  std::string error;
  auto back = parse_event_line(to_json_line(e), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->fields["unit"], "a\"b\nc");
}

TEST(HistoryEvent, EveryKnownKindNamesItsFields) {
  for (const auto& kind : known_kinds()) {
    EXPECT_FALSE(kind.fields.empty()) << kind.kind;
    EXPECT_EQ(find_kind(kind.kind), &kind);
  }
  EXPECT_EQ(find_kind("nope"), nullptr);
}

struct BadLine {
  std::string line;
  std::string error;
};

class MalformedEventLine : public ::testing::TestWithParam<BadLine> {};

TEST_P(MalformedEventLine, IsRejectedWithAReason) {
  std::string error;
  EXPECT_FALSE(parse_event_line(GetParam().line, error));
  EXPECT_EQ(error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedEventLine,
    ::testing::Values(
        BadLine{"[1,2]", "expected a JSON object, got [1,2]"},
        BadLine{R"({"t_ns":1,"source":"c"})", "field 'kind' must be a non-empty string"},
        BadLine{R"({"kind":"gap","source":"c"})",
                "field 't_ns' must be a non-negative integer (CLOCK_MONOTONIC nanoseconds)"},
        BadLine{R"({"kind":"gap","t_ns":-1,"source":"c"})",
                "field 't_ns' must be a non-negative integer (CLOCK_MONOTONIC nanoseconds)"},
        BadLine{R"({"kind":"gap","t_ns":1.5,"source":"c"})",
                "field 't_ns' must be a non-negative integer (CLOCK_MONOTONIC nanoseconds)"},
        BadLine{R"({"kind":"gap","t_ns":1})", "field 'source' must be a string"},
        BadLine{R"({"kind":"gap","t_ns":1,"source":"c","backend":"b","missing":1,"after_seq":2})",
                "'gap' event: missing field 'routerId'"},
        BadLine{R"({"kind":"gap","t_ns":1,"source":"c","routerId":"7","backend":"b","missing":1,"after_seq":2})",
                "field 'routerId' must be a non-negative integer, got \"7\""},
        BadLine{R"({"kind":"gap","t_ns":1,"source":"c","routerId":7,"backend":"b","after_seq":2})",
                "'gap' event: missing field 'missing' (a non-negative integer)"},
        BadLine{R"({"kind":"gap","t_ns":1,"source":"c","routerId":7,"backend":"b","missing":-3,"after_seq":2})",
                "'gap' event: field 'missing' must be a non-negative integer, got -3"},
        BadLine{R"({"kind":"rejected","t_ns":1,"source":"c","routerId":7,"url":"u","error":"e","reason":4})",
                "'rejected' event: field 'reason' must be a string, got 4"}));

TEST(HistoryEvent, NotJsonNamesTheOffset) {
  std::string error;
  EXPECT_FALSE(parse_event_line("{\"kind\":", error));
  EXPECT_TRUE(error.starts_with("not JSON: ")) << error;
}

// A number beyond a double's range is valid JSON syntax that nlohmann throws
// out_of_range for (the class of crash the fuzz targets found in json::parse).
TEST(HistoryEvent, OverflowingNumberIsAnErrorNotAnException) {
  std::string error;
  std::optional<Event> event;
  ASSERT_NO_THROW(event = parse_event_line(R"({"kind":"gap","t_ns":1e999,"source":"c"})", error));
  EXPECT_FALSE(event);
  EXPECT_TRUE(error.starts_with("not JSON: ")) << error;
  EXPECT_NE(error.find("number overflow"), std::string::npos) << error;
}

}  // namespace
}  // namespace wsfo::history
