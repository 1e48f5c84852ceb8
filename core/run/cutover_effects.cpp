#include "core/run/cutover_effects.hpp"

namespace wsfo::run {

std::vector<MovedClose> closes_after_prepare(const gateway::RulesState& prepared) {
  std::vector<MovedClose> closes;
  if (!prepared.pending()) return closes;
  const std::string version = std::to_string(prepared.pending()->rules.version());
  for (const auto& m : prepared.pending()->diff.moved())
    closes.push_back({m, "moved from " + m.from_unit + " to " + m.to_unit + " by rules v" + version});
  return closes;
}

std::vector<MovedClose> closes_after_revert(const routing::RuleDiff& revert) {
  std::vector<MovedClose> closes;
  const std::string versions =
      "v" + std::to_string(revert.from_version()) + " to v" + std::to_string(revert.to_version());
  for (const auto& m : revert.moved())
    closes.push_back(
        {m, "moved back from " + m.from_unit + " to " + m.to_unit + " by the revert of rules " + versions});
  return closes;
}

}  // namespace wsfo::run
