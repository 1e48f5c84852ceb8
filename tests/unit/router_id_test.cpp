#include "core/routing/router_id.hpp"

#include <gtest/gtest.h>

namespace wsfo::routing {
namespace {

struct MalformedId {
  std::string text;
  std::string error;
};

class MalformedRouterId : public ::testing::TestWithParam<MalformedId> {};

TEST_P(MalformedRouterId, IsRejectedWithItsReason) {
  auto parsed = parse_router_id(GetParam().text);
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedRouterId,
    ::testing::Values(MalformedId{"", "routerId is empty"},
                      MalformedId{"-1", "routerId has a sign '-'; expected decimal digits only"},
                      MalformedId{"+42", "routerId has a sign '+'; expected decimal digits only"},
                      MalformedId{" 1111", "routerId contains whitespace at position 0"},
                      MalformedId{"1111 ", "routerId contains whitespace at position 4"},
                      MalformedId{"11\t11", "routerId contains whitespace at position 2"},
                      MalformedId{"abc", "routerId contains 'a' at position 0; expected decimal digits only"},
                      MalformedId{"12a4", "routerId contains 'a' at position 2; expected decimal digits only"},
                      MalformedId{"0x10", "routerId contains 'x' at position 1; expected decimal digits only"},
                      MalformedId{"1.5", "routerId contains '.' at position 1; expected decimal digits only"},
                      MalformedId{"1e3", "routerId contains 'e' at position 1; expected decimal digits only"},
                      MalformedId{std::string("12\0"
                                              "3",
                                              4),
                                  "routerId contains byte 0x00 at position 2; expected decimal digits only"},
                      MalformedId{"9223372036854775808", "routerId exceeds the maximum 9223372036854775807 (2^63-1)"},
                      MalformedId{"18446744073709551616", "routerId exceeds the maximum 9223372036854775807 (2^63-1)"},
                      MalformedId{"99999999999999999999999",
                                  "routerId exceeds the maximum 9223372036854775807 (2^63-1)"},
                      MalformedId{"%31", "routerId contains '%' at position 0; expected decimal digits only"}));

TEST(RouterId, AcceptsDecimalDigitsUpToTheMaximum) {
  EXPECT_EQ(parse_router_id("0").value, 0u);
  EXPECT_EQ(parse_router_id("1111").value, 1111u);
  EXPECT_EQ(parse_router_id("007").value, 7u);
  EXPECT_EQ(parse_router_id("9223372036854775807").value, 9223372036854775807ull);
}

TEST(RouterId, SlotIsIdModuloModulus) {
  EXPECT_EQ(slot_of(1111), 1111u);
  EXPECT_EQ(slot_of(16249), 6249u);
  EXPECT_EQ(slot_of(9223372036854775807ull), 5807u);
  EXPECT_EQ(slot_of(12345, 100), 45u);
}

TEST(RouterIdLookup, HeaderComesFirstByDefault) {
  RouterIdCarriers carriers{{"1111"}, {"routerId=2222"}, "/ws?routerId=3333"};
  auto lookup = find_router_id(carriers, kDefaultSourceOrder);
  EXPECT_EQ(lookup.status, RouterIdLookup::Status::found);
  EXPECT_EQ(lookup.router_id, 1111u);
  EXPECT_EQ(lookup.source, RouterIdSource::header);
}

TEST(RouterIdLookup, FollowsTheConfiguredOrder) {
  RouterIdCarriers carriers{{"1111"}, {"a=b; routerId=2222"}, "/ws?x=1&routerId=3333"};
  const RouterIdSource query_first[] = {RouterIdSource::query, RouterIdSource::cookie, RouterIdSource::header};
  EXPECT_EQ(find_router_id(carriers, query_first).router_id, 3333u);
  const RouterIdSource cookie_first[] = {RouterIdSource::cookie, RouterIdSource::header};
  EXPECT_EQ(find_router_id(carriers, cookie_first).router_id, 2222u);
}

TEST(RouterIdLookup, FallsThroughAbsentSourcesOnly) {
  RouterIdCarriers carriers{{}, {"session=x"}, "/ws?routerId=6249"};
  auto lookup = find_router_id(carriers, kDefaultSourceOrder);
  EXPECT_EQ(lookup.router_id, 6249u);
  EXPECT_EQ(lookup.source, RouterIdSource::query);
}

TEST(RouterIdLookup, MalformedFirstSourceIsAnErrorNotAFallThrough) {
  RouterIdCarriers carriers{{"12ab"}, {}, "/ws?routerId=6249"};
  auto lookup = find_router_id(carriers, kDefaultSourceOrder);
  EXPECT_EQ(lookup.status, RouterIdLookup::Status::malformed);
  EXPECT_EQ(lookup.reason, "routerId contains 'a' at position 2; expected decimal digits only (from header)");
}

TEST(RouterIdLookup, ConflictingDuplicatesAreMalformed) {
  RouterIdCarriers carriers{{"1111", "2222"}, {}, "/"};
  auto lookup = find_router_id(carriers, kDefaultSourceOrder);
  EXPECT_EQ(lookup.status, RouterIdLookup::Status::malformed);
  EXPECT_EQ(lookup.reason, "conflicting routerId values in header: '1111' and '2222'");
  RouterIdCarriers same{{"1111", "1111"}, {}, "/"};
  EXPECT_EQ(find_router_id(same, kDefaultSourceOrder).status, RouterIdLookup::Status::found);
}

TEST(RouterIdLookup, EmptyQueryValueIsMalformed) {
  RouterIdCarriers carriers{{}, {}, "/ws?routerId=&x=1"};
  auto lookup = find_router_id(carriers, kDefaultSourceOrder);
  EXPECT_EQ(lookup.status, RouterIdLookup::Status::malformed);
  EXPECT_EQ(lookup.reason, "routerId is empty (from query)");
}

TEST(RouterIdLookup, MissingEverywhere) {
  RouterIdCarriers carriers{{}, {"routerIdx=1"}, "/ws?xrouterId=1#routerId=5"};
  EXPECT_EQ(find_router_id(carriers, kDefaultSourceOrder).status, RouterIdLookup::Status::missing);
}

TEST(RouterIdSource, NamesRoundTrip) {
  for (auto source : kDefaultSourceOrder) EXPECT_EQ(router_id_source_from_string(to_string(source)), source);
  EXPECT_FALSE(router_id_source_from_string("Header").has_value());
}

}  // namespace
}  // namespace wsfo::routing
