#pragma once
// The namespace tests need root, CAP_NET_ADMIN and the stack's binaries.
// Elsewhere they skip, naming what is missing; under CI=true, where they
// must run, a skip would hide a missing install step, so they fail.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace wsfo_netns_test {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace wsfo_netns_test

// In a test body or SetUp: `reason` empty carries on.
#define WSFO_NETNS_SKIP_UNLESS_AVAILABLE(reason)                                      \
  do {                                                                                 \
    const std::string why_unavailable = (reason);                                      \
    if (!why_unavailable.empty()) {                                                    \
      if (wsfo_netns_test::in_ci()) FAIL() << "cannot run under CI=true: " << why_unavailable; \
      GTEST_SKIP() << why_unavailable;                                                 \
    }                                                                                  \
  } while (false)
