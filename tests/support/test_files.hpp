#pragma once
// Small file helpers shared by the component tests.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace wsfo::test_support {

// The whole file, or "" when it cannot be read.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace wsfo::test_support
