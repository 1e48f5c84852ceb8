#include "core/scenario/client_population.hpp"

#include <unordered_set>

namespace wsfo::scenario {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t SplitMix64::below(std::uint64_t bound) {
  // Reject the low values that would make `r % bound` favour small results.
  const std::uint64_t threshold = (0 - bound) % bound;
  while (true) {
    std::uint64_t r = next();
    if (r >= threshold) return r % bound;
  }
}

namespace {

// Floyd's algorithm: `count` distinct values in [0, span) with exactly
// `count` draws, whatever the span.
std::vector<std::uint64_t> sample_distinct(std::uint64_t count, std::uint64_t span, std::uint64_t seed) {
  SplitMix64 random(seed);
  std::unordered_set<std::uint64_t> chosen;
  std::vector<std::uint64_t> order;
  order.reserve(count);
  chosen.reserve(count);
  for (std::uint64_t j = span - count; j < span; ++j) {
    std::uint64_t t = random.below(j + 1);
    std::uint64_t pick = chosen.count(t) ? j : t;
    chosen.insert(pick);
    order.push_back(pick);
  }
  return order;
}

}  // namespace

std::vector<std::uint64_t> expand_router_ids(const RouterIdSpec& spec) {
  if (const auto* list = std::get_if<RouterIdList>(&spec)) return list->ids;
  std::vector<std::uint64_t> ids;
  if (const auto* range = std::get_if<RouterIdRange>(&spec)) {
    ids.reserve(range->to - range->from + 1);
    for (std::uint64_t id = range->from;; ++id) {
      ids.push_back(id);
      if (id == range->to) break;
    }
    return ids;
  }
  const auto& random = std::get<RouterIdRandom>(spec);
  // span is at most 2^63 (routerIds end at 2^63-1), so it fits.
  std::uint64_t span = random.to - random.from + 1;
  ids = sample_distinct(random.count, span, random.seed);
  for (auto& id : ids) id += random.from;
  return ids;
}

std::vector<PopulationMember> expand_population(const Scenario& scenario) {
  std::vector<PopulationMember> members;
  members.reserve(scenario.client_count());
  for (std::size_t g = 0; g < scenario.clients.size(); ++g)
    for (std::uint64_t id : expand_router_ids(scenario.clients[g].router_ids)) members.push_back({id, g});
  return members;
}

}  // namespace wsfo::scenario
