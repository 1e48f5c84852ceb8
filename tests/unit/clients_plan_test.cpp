#include <gtest/gtest.h>

#include <set>

#include "core/clients/latency_summary.hpp"
#include "core/clients/name_map.hpp"
#include "core/clients/router_id_plan.hpp"
#include "core/clients/source_pool.hpp"

namespace wsfo::clients {
namespace {

TEST(RouterIdPlan, ListAndSpan) {
  std::string error;
  auto list = parse_router_id_list("1111,6249,8330", error);
  ASSERT_TRUE(list) << error;
  EXPECT_EQ(*list, (std::vector<std::uint64_t>{1111, 6249, 8330}));
  EXPECT_FALSE(parse_router_id_list("1111,,2", error));
  EXPECT_EQ(error, "routerId list item 2 (''): routerId is empty");
  auto span = parse_router_id_span("0-9999", error);
  ASSERT_TRUE(span) << error;
  EXPECT_EQ(span->size(), 10000u);
  EXPECT_EQ(expand_span(*span, 3), (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_FALSE(parse_router_id_span("9-1", error));
  EXPECT_EQ(error, "routerId range '9-1': from is greater than to");
  EXPECT_FALSE(parse_router_id_span("5", error));
  EXPECT_EQ(error, "routerId range '5': expected from-to, e.g. 0-9999");
}

TEST(RouterIdPlan, LinesOfAFile) {
  std::string error;
  auto ids = parse_router_id_lines("1111\n 6249 , 8330\r\n\n\t42\n", error);
  ASSERT_TRUE(ids) << error;
  EXPECT_EQ(*ids, (std::vector<std::uint64_t>{1111, 6249, 8330, 42}));
  EXPECT_FALSE(parse_router_id_lines("1\n\n2,,3\n", error));
  EXPECT_EQ(error, "line 3, item 2 (''): routerId is empty");
  EXPECT_FALSE(parse_router_id_lines("1\n-2", error));
  EXPECT_EQ(error, "line 2, item 1 ('-2'): routerId has a sign '-'; expected decimal digits only");
  EXPECT_FALSE(parse_router_id_lines(" \n\r\n", error));
  EXPECT_EQ(error, "holds no routerIds");
}

TEST(RouterIdPlan, RandomDrawsAreDistinctAndReproducible) {
  std::string error;
  auto a = draw_distinct(1000, 7, {0, 9999}, error);
  auto b = draw_distinct(1000, 7, {0, 9999}, error);
  auto c = draw_distinct(1000, 8, {0, 9999}, error);
  ASSERT_TRUE(a && b && c) << error;
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_EQ(std::set<std::uint64_t>(a->begin(), a->end()).size(), 1000u);
  for (auto id : *a) EXPECT_LE(id, 9999u);
  auto dense = draw_distinct(10, 1, {100, 109}, error);  // every value once
  ASSERT_TRUE(dense);
  EXPECT_EQ(std::set<std::uint64_t>(dense->begin(), dense->end()).size(), 10u);
  EXPECT_FALSE(draw_distinct(11, 1, {100, 109}, error));
  EXPECT_EQ(error, "cannot draw 11 distinct routerIds from 100-109 (10 values)");
}

TEST(NameMap, MapsNamesAndPassesNumericAddresses) {
  NameMap map;
  std::string error;
  ASSERT_TRUE(map.add("websocket.msha.tech=127.0.0.1:8020,127.0.0.2:8020", error)) << error;
  ASSERT_TRUE(map.add("WebSocket.msha.tech=127.0.0.3:8021", error)) << error;
  auto all = map.lookup("websocket.MSHA.tech", 80);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2], (SocketAddress{"127.0.0.3", 8021}));
  EXPECT_EQ(map.lookup("127.9.9.9", 81), (std::vector<SocketAddress>{{"127.9.9.9", 81}}));
  EXPECT_TRUE(map.lookup("unknown.example", 80).empty());
  EXPECT_FALSE(map.pick("unknown.example", 80, 0));
}

TEST(NameMap, PicksEveryAddressOverManyAttempts) {
  NameMap map;
  std::string error;
  ASSERT_TRUE(map.add("d=127.0.0.1:1,127.0.0.2:1", error));
  std::set<std::string> seen;
  for (std::uint64_t draw : {0ull, ~0ull}) seen.insert(map.pick("d", 0, draw)->ip);
  EXPECT_EQ(seen.size(), 2u);
}

TEST(NameMap, RejectsMalformedEntries) {
  NameMap map;
  std::string error;
  EXPECT_FALSE(map.add("noequals", error));
  EXPECT_EQ(error, "--resolve 'noequals': expected host=ip:port[,ip:port...]");
  EXPECT_FALSE(map.add("a=localhost:80", error));
  EXPECT_EQ(error, "--resolve 'a=localhost:80': 'localhost' is not a numeric IP address");
  EXPECT_FALSE(map.add("a=127.0.0.1", error));
  EXPECT_EQ(error, "--resolve 'a=127.0.0.1': '127.0.0.1' has no port (expected ip:port)");
  EXPECT_FALSE(map.add("a=127.0.0.1:0", error));
  EXPECT_EQ(error, "--resolve 'a=127.0.0.1:0': port '0' is not in 1..65535");
  EXPECT_FALSE(map.add("a=1.2.3.256:1", error));
  EXPECT_FALSE(map.add("a=[::1]:99999", error));
  EXPECT_TRUE(map.add("a=[::1]:9", error)) << error;
}

TEST(SourcePool, SpreadsOverTheBlockSkippingZeroAnd255) {
  std::string error;
  auto pool = SourcePool::parse("127.1.0.0/16", error);
  ASSERT_TRUE(pool) << error;
  EXPECT_EQ(pool->usable(), 256u * 254u);
  EXPECT_EQ(SourcePool::format_ipv4(pool->address(0)), "127.1.0.1");
  EXPECT_EQ(SourcePool::format_ipv4(pool->address(253)), "127.1.0.254");
  EXPECT_EQ(SourcePool::format_ipv4(pool->address(254)), "127.1.1.1");
  EXPECT_EQ(pool->address(pool->usable()), pool->address(0));
  auto small = SourcePool::parse("127.2.3.4/30", error);
  ASSERT_TRUE(small) << error;
  EXPECT_EQ(small->usable(), 4u);  // .4 .5 .6 .7
  EXPECT_EQ(SourcePool::format_ipv4(small->address(1)), "127.2.3.5");
  EXPECT_FALSE(SourcePool::parse("127.1.0.0", error));
  EXPECT_EQ(error, "source network '127.1.0.0': expected an IPv4 block such as 127.1.0.0/16");
  EXPECT_FALSE(SourcePool::parse("127.1.0.0/4", error));
  EXPECT_EQ(error, "source network '127.1.0.0/4': prefix length must be 8..32");
  EXPECT_FALSE(SourcePool::parse("127.1.0.255/32", error));
}

TEST(LatencySamples, NearestRankPercentiles) {
  LatencySamples samples;
  EXPECT_EQ(samples.percentile(50).count(), 0);
  for (int i = 100; i >= 1; --i) samples.add(std::chrono::milliseconds(i));
  EXPECT_EQ(samples.percentile(50), std::chrono::milliseconds(50));
  EXPECT_EQ(samples.percentile(99), std::chrono::milliseconds(99));
  EXPECT_EQ(samples.max(), std::chrono::milliseconds(100));
  EXPECT_EQ(samples.percentile(0), std::chrono::milliseconds(1));
}

}  // namespace
}  // namespace wsfo::clients
