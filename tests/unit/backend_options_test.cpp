// The backend's flag parsing, broadcast padding and /stats bookkeeping.
#include "simulator/backend/backend_options.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "simulator/backend/backend_stats.hpp"

namespace wsfo::backend {
namespace {

TEST(BackendOptions, ParsesListenAddresses) {
  std::string error;
  auto v4 = parse_listen_address("127.0.0.1:0", error);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 0);
  auto v6 = parse_listen_address("[::1]:8080", error);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_EQ(format_host_port(v6->host, v6->port), "[::1]:8080");
}

TEST(BackendOptions, RejectsBadListenAddressesWithAReason) {
  for (const char* bad : {"127.0.0.1", "localhost:80", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:8o", ":80",
                          "127.0.0.1:-1", "::1:80x"}) {
    std::string error;
    EXPECT_FALSE(parse_listen_address(bad, error)) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
}

TEST(BackendOptions, ValidatesLabels) {
  std::string error;
  EXPECT_TRUE(valid_label("hangzhou", error));
  EXPECT_FALSE(valid_label("", error));
  EXPECT_FALSE(valid_label("two words", error));
  EXPECT_FALSE(valid_label(std::string(65, 'a'), error));
}

TEST(BackendOptions, PadsToTheExactSize) {
  EXPECT_EQ(pad_to_size("12:hz", 0), "12:hz");
  EXPECT_EQ(pad_to_size("12:hz", 5), "12:hz");
  EXPECT_EQ(pad_to_size("12:hz", 3), "12:hz");  // never cut
  EXPECT_EQ(pad_to_size("12:hz", 6), "12:hz|");
  EXPECT_EQ(pad_to_size("12:hz", 9), "12:hz|xxx");
}

TEST(BackendStats, CountsOpenAndTotalPerRouterIdAndNode) {
  BackendStats stats("hz");
  ConnectionOrigin a{router_id_key(nullptr), "none"};
  std::string header = "0042";
  ConnectionOrigin b{router_id_key(&header), "node-a"};
  std::string bad = "-1";
  ConnectionOrigin c{router_id_key(&bad), "node-a"};
  EXPECT_EQ(b.router_id, "42");
  EXPECT_EQ(c.router_id, "malformed");
  stats.connection_opened(a);
  stats.connection_opened(b);
  stats.connection_opened(b);
  stats.connection_opened(c);
  stats.connection_closed(b);
  stats.message_received();
  stats.message_sent();
  stats.message_sent();
  stats.broadcast_sent(7);
  auto json = nlohmann::json::parse(stats.to_json());
  EXPECT_EQ(json["label"], "hz");
  EXPECT_EQ(json["open_connections"], 3);
  EXPECT_EQ(json["total_connections"], 4);
  EXPECT_EQ(json["router_ids"]["42"]["open"], 1);
  EXPECT_EQ(json["router_ids"]["42"]["total"], 2);
  EXPECT_EQ(json["router_ids"]["none"]["open"], 1);
  EXPECT_EQ(json["router_ids"]["malformed"]["total"], 1);
  EXPECT_EQ(json["nodes"]["node-a"]["open"], 2);
  EXPECT_EQ(json["messages_sent"], 2);
  EXPECT_EQ(json["messages_received"], 1);
  EXPECT_EQ(json["last_broadcast_seq"], 7);
}

}  // namespace
}  // namespace wsfo::backend
