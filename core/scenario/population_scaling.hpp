#pragma once
// A scenario scaled to another population, for `wsfo simulate --sweep
// GROUP=FROM..TO` (docs/sweep.md): the swept client groups get new counts,
// the other groups stay as written, and the expectations that count clients
// scale with the total client count. Works on the scenario document (JSON), so
// a scaled scenario can be written out and played by a child `wsfo simulate`
// exactly as any scenario file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::scenario {

// One --sweep: the group's size goes from `from` to `to` clients.
struct SweepRange {
  std::string group;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};

struct ParsedSweepRange {
  std::optional<SweepRange> range;
  std::string error;  // one line, when `range` is absent
};

// "fleet=1000..200000" (digits only, FROM >= 1, FROM <= TO).
ParsedSweepRange parse_sweep_range(const std::string& text);

// The swept groups of one sweep, checked against the scenario. Several ranges
// move together: one fraction x in [0, 1] gives each group FROM + x (TO - FROM);
// a population is the sum of the swept groups' counts.
struct PopulationSweep {
  std::vector<SweepRange> ranges;

  std::uint64_t from() const;  // the swept groups' total at x = 0
  std::uint64_t to() const;    // ... and at x = 1
  // Each range's count (in the order of `ranges`) when the swept groups hold
  // `population` clients in all; from() <= population <= to(). The counts add
  // up to `population` exactly.
  std::vector<std::uint64_t> counts_at(std::uint64_t population) const;
};

struct CheckedSweep {
  std::optional<PopulationSweep> sweep;
  std::string error;  // one line, when `sweep` is absent
};

// Refuses a group the scenario does not have (naming those it has), a group
// swept twice, an explicit routerId list asked to grow beyond its length, a
// random group whose count would not fit its range, a range that would run
// past the largest routerId.
CheckedSweep check_sweep(const Scenario& scenario, const std::vector<SweepRange>& ranges);

struct ScaledScenario {
  json::Json document;               // the scenario file's text of the scaled scenario
  std::optional<Scenario> scenario;  // the document read back
  std::string error;                 // one line, when `scenario` is absent
};

// `written` is the document `scenario` was read from. Swept groups' routerIds
// become: a range from..to keeps `from` and gets the new count; random keeps
// its seed and range and gets the new count; a list keeps its first ids.
// Expectations: disconnected counts and messages_lost_max scale by the ratio
// of the new total client count to the written one (a min rounded down, a max
// rounded up, so no bound becomes stricter than the proportion); times and
// exact sets (routerIds, slots) stay as written.
ScaledScenario scale_scenario(const json::Json& written, const Scenario& scenario, const PopulationSweep& sweep,
                              std::uint64_t population);

}  // namespace wsfo::scenario
