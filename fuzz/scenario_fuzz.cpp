// Scenario files (`wsfo run`, `wsfo simulate`, `wsfo check`): the text through
// core/scenario's loader, which must accept it whole or name every problem.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/scenario/scenario_loader.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace wsfo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const scenario::LoadedScenario loaded = scenario::parse_scenario(std::string(fuzz::as_text(data, size)));
  WSFO_FUZZ_CHECK(!loaded.unreadable);
  fuzz::check_problems(loaded.problems, loaded.scenario.has_value());
  return 0;
}
