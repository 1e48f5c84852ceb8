// The live client's random stream, shared by the model: the same seed,
// routerId and index give the same picks and delays in both engines.
#include "core/clients/client_stream.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/clients/name_map.hpp"
#include "core/util/random.hpp"

namespace wsfo::clients {
namespace {

TEST(ClientStream, SeedDependsOnRunSeedRouterIdAndIndex) {
  const std::uint64_t base = client_stream_seed(1, 42, 0);
  EXPECT_EQ(base, client_stream_seed(1, 42, 0));
  EXPECT_NE(base, client_stream_seed(2, 42, 0));
  EXPECT_NE(base, client_stream_seed(1, 43, 0));
  EXPECT_NE(base, client_stream_seed(1, 42, 1));
}

TEST(ClientStream, IndexCountsWithinAFleetProcess) {
  EXPECT_EQ(index_in_process(0), 0u);
  EXPECT_EQ(index_in_process(kMaxClientsPerProcess - 1), kMaxClientsPerProcess - 1);
  EXPECT_EQ(index_in_process(kMaxClientsPerProcess), 0u);
  EXPECT_EQ(index_in_process(kMaxClientsPerProcess + 5), 5u);
}

TEST(ClientStream, AddressPickCoversEveryAddressAndStaysInRange) {
  util::SplitMix64 rng(client_stream_seed(1, 7, 0));
  std::set<std::size_t> seen;
  for (int i = 0; i < 300; ++i) {
    std::size_t pick = address_pick(rng.next(), 3);
    ASSERT_LT(pick, 3u);
    seen.insert(pick);
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(address_pick(0, 3), 0u);
  EXPECT_EQ(address_pick(UINT64_MAX, 3), 2u);
  EXPECT_EQ(address_pick(UINT64_MAX, 1), 0u);
}

TEST(ClientStream, NameMapDialsTheAddressThePickNames) {
  NameMap names;
  std::string error;
  ASSERT_TRUE(names.add("unit.test=127.0.0.1:1,127.0.0.2:2,127.0.0.3:3", error)) << error;
  const auto all = names.lookup("unit.test", 0);
  util::SplitMix64 rng(client_stream_seed(1, 99, 3));
  for (int i = 0; i < 50; ++i) {
    const std::uint64_t draw = rng.next();
    EXPECT_EQ(names.pick("unit.test", 0, draw), all[address_pick(draw, all.size())]);
  }
}

}  // namespace
}  // namespace wsfo::clients
