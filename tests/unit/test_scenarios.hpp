#pragma once
// The project's own scenario files, loaded for unit tests.
#include <gtest/gtest.h>

#include <string>

#include "core/scenario/scenario_loader.hpp"

namespace wsfo::test {

// `name` is relative to scenarios/, e.g. "regression/node-kill.json".
inline scenario::Scenario load_project_scenario(const std::string& name) {
  auto loaded = scenario::load_scenario_file(std::string(WSFO_SOURCE_DIR) + "/scenarios/" + name);
  EXPECT_TRUE(loaded.scenario) << name;
  return loaded.scenario ? *loaded.scenario : scenario::Scenario{};
}

}  // namespace wsfo::test
