#include <gtest/gtest.h>

#include <memory>

#include "gateway/connection_registry.hpp"

namespace wsfo::gateway {
namespace {

struct FakeConnection : RegisteredConnection {
  void close_with(std::uint16_t code, std::string_view) override { closed_with = code; }
  void drop() override { dropped = true; }
  std::uint16_t closed_with = 0;
  bool dropped = false;
};

TEST(ConnectionRegistry, FindsConnectionsBySlotRange) {
  ConnectionRegistry registry(10000);
  std::vector<std::unique_ptr<FakeConnection>> connections;
  for (std::uint32_t slot : {5, 5, 6, 100, 9999}) {
    connections.push_back(std::make_unique<FakeConnection>());
    registry.add(*connections.back(), slot);
  }
  FakeConnection anonymous;
  registry.add(anonymous, std::nullopt);
  EXPECT_EQ(registry.size(), 6u);
  EXPECT_EQ(registry.count_in(5, 6), 3u);
  EXPECT_EQ(registry.count_in(7, 99), 0u);
  EXPECT_EQ(registry.count_in(0, 9999), 5u);  // the one without a slot is never in a range
  EXPECT_EQ(registry.connections_in(9999, 9999), std::vector<RegisteredConnection*>{connections[4].get()});
  EXPECT_EQ(registry.connections_in(0, 9999).size(), 5u);
  EXPECT_EQ(registry.all().size(), 6u);

  registry.remove(*connections[0]);
  registry.remove(*connections[0]);  // harmless repeat
  EXPECT_EQ(registry.count_in(5, 5), 1u);
  EXPECT_EQ(registry.connections_in(5, 5), std::vector<RegisteredConnection*>{connections[1].get()});
  registry.remove(anonymous);
  EXPECT_EQ(registry.size(), 4u);
  EXPECT_EQ(connections[2]->slot(), 6u);
}

TEST(ConnectionRegistry, RemovalInTheMiddleOfAListKeepsTheOthers) {
  ConnectionRegistry registry(100);
  FakeConnection a, b, c;
  registry.add(a, 7);
  registry.add(b, 7);
  registry.add(c, 7);
  registry.remove(b);
  auto found = registry.connections_in(7, 7);
  EXPECT_EQ(found.size(), 2u);
  EXPECT_NE(std::find(found.begin(), found.end(), &a), found.end());
  EXPECT_NE(std::find(found.begin(), found.end(), &c), found.end());
  registry.add(b, 8);  // re-adding moves it
  registry.add(b, 9);
  EXPECT_EQ(registry.count_in(8, 8), 0u);
  EXPECT_EQ(registry.count_in(9, 9), 1u);
  EXPECT_EQ(registry.size(), 3u);
}

}  // namespace
}  // namespace wsfo::gateway
