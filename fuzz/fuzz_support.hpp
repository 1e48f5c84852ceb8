#pragma once
// Shared by the libFuzzer targets of this folder (docs/fuzzing.md).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json/json_reader.hpp"

namespace wsfo::fuzz {

// A property the target checks, beyond "no crash": when it does not hold, the
// input is a finding like a crash (libFuzzer saves it as a crash artifact).
#define WSFO_FUZZ_CHECK(condition)                                                                             \
  do {                                                                                                         \
    if (!(condition)) ::wsfo::fuzz::fail(__FILE__, __LINE__, #condition);                                      \
  } while (0)

[[noreturn]] inline void fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
  std::abort();
}

// A rejection must say what is wrong: every problem of a strict reader names
// something, and a reader that returns nothing reports at least one problem.
inline void check_problems(const json::Problems& problems, bool accepted) {
  WSFO_FUZZ_CHECK(accepted == problems.empty());
  for (const auto& problem : problems.list()) {
    WSFO_FUZZ_CHECK(!problem.message.empty());
    WSFO_FUZZ_CHECK(!json::format(problem).empty());
  }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace wsfo::fuzz
