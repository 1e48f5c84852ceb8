#pragma once
// Expands client groups into concrete routerIds. Deterministic for a seed and
// identical on every platform: the generator is a hand-rolled splitmix64 and
// bounded draws use rejection, not std::uniform_int_distribution (whose output
// differs between standard libraries).
#include <cstdint>
#include <vector>

#include "core/scenario/scenario.hpp"

namespace wsfo::scenario {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, bound); bound > 0.
  std::uint64_t below(std::uint64_t bound);

 private:
  std::uint64_t state_;
};

// The group's routerIds in a stable order: a list as written, a range
// ascending, random ones (distinct) ascending.
std::vector<std::uint64_t> expand_router_ids(const RouterIdSpec& spec);

struct PopulationMember {
  std::uint64_t router_id = 0;
  std::size_t group = 0;  // index into Scenario::clients
};

// Every client of every group, group by group.
std::vector<PopulationMember> expand_population(const Scenario& scenario);

}  // namespace wsfo::scenario
