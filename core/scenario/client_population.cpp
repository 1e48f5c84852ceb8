#include "core/scenario/client_population.hpp"

#include <algorithm>

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

// `count` distinct values in [0, span), ascending. Draws in rounds and drops
// repeats with a sort, so memory stays one vector of the values; with
// count <= span / 2 each round at least halves what is missing.
std::vector<std::uint64_t> draw_distinct(std::uint64_t count, std::uint64_t span, SplitMix64& random) {
  std::vector<std::uint64_t> values;
  values.reserve(count);
  while (values.size() < count) {
    for (auto missing = count - values.size(); missing > 0; --missing) values.push_back(random.below(span));
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
  }
  return values;
}

std::vector<std::uint64_t> sample_distinct(std::uint64_t count, std::uint64_t span, std::uint64_t seed) {
  SplitMix64 random(seed);
  if (count <= span / 2) return draw_distinct(count, span, random);
  // A dense sample is the complement of a sparse one: draw what to leave out.
  // Here span < 2 * count, so enumerating it is as cheap as the result.
  std::vector<std::uint64_t> excluded = draw_distinct(span - count, span, random);
  std::vector<std::uint64_t> values;
  values.reserve(count);
  auto next_excluded = excluded.begin();
  for (std::uint64_t v = 0; v < span; ++v) {
    if (next_excluded != excluded.end() && *next_excluded == v)
      ++next_excluded;
    else
      values.push_back(v);
  }
  return values;
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
