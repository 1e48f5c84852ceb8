// `wsfo run` refuses, before anything starts, a scenario whose clients cannot
// fit a gateway's or backend's descriptors at the worst moment of its
// timeline, with the arithmetic; `wsfo scenario check` says the same and
// stays valid. The limit is the one the parts would inherit: lowered here with
// the shell's `ulimit -n`, so that the 20,000-client scenario is too big.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "process/child_process.hpp"

namespace run_descriptor_refusal_test {

using namespace std::chrono_literals;
using wsfo::process::ChildProcess;
namespace fs = std::filesystem;

const std::string kLive20k = std::string(WSFO_SOURCE_DIR) + "/scenarios/capacity/live-20k.json";

struct Outcome {
  int exit_code = -1;
  std::string output;
};

class RunDescriptorRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wsfo-descriptor-refusal-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // `wsfo ARGS...` with its descriptor limit lowered to `limit`; stdout and stderr together.
  Outcome run_limited(int limit, const std::vector<std::string>& args) {
    // A limit above the hard one cannot be set unprivileged: exit 99, a skip.
    std::string script = "ulimit -n " + std::to_string(limit) + " 2>/dev/null || exit 99; exec \"$0\" \"$@\"";
    std::vector<std::string> argv{"/bin/sh", "-c", script, WSFO_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    const fs::path log = dir_ / "output.txt";
    fs::remove(log);
    Outcome outcome;
    {
      wsfo::process::ChildOptions options;
      options.log_file = log.string();
      options.stdout_to_log = true;
      ChildProcess wsfo(argv, options);
      // A refusal comes before anything starts: well within a second; the run would take minutes.
      auto status = wsfo.wait_for_exit(20s);
      if (status) outcome.exit_code = status->exited ? status->code : 128 + status->signal;
    }
    std::ifstream in(log);
    outcome.output.assign(std::istreambuf_iterator<char>(in), {});
    return outcome;
  }

  fs::path dir_;
};

TEST_F(RunDescriptorRefusal, TooFewDescriptorsForTheGatewaysIsRefusedWithTheArithmetic) {
  Outcome r = run_limited(4096, {"run", kLive20k, "--report-dir", (dir_ / "out").string()});
  if (r.exit_code == 99) GTEST_SKIP() << "the hard descriptor limit here is below 4096";
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // The worst moment: center-gw1's clients have moved to center's two other nodes.
  const std::string prefix = "wsfo run: " + kLive20k + ": gateway center-gw";
  EXPECT_EQ(r.output.rfind(prefix, 0), 0u) << r.output;
  EXPECT_NE(r.output.find(" (unit center) needs "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" descriptors after timeline[1] (kill center-gw1) at "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" proxied in from other units) + 66 reserved, but a process may open 4096 (ulimit -n); "
                          "add nodes or VIPs to unit center, or raise the limit\n"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "out")) << "nothing starts: no run directory";
}

TEST_F(RunDescriptorRefusal, ScenarioCheckShowsTheLargestNeedsAndTheRefusalButStaysValid) {
  Outcome r = run_limited(4096, {"scenario", "check", kLive20k});
  if (r.exit_code == 99) GTEST_SKIP() << "the hard descriptor limit here is below 4096";
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("descriptors live, each process may open 4096 (ulimit -n):\n  largest: gateway center-gw"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  largest: backend center-app"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  wsfo run refuses it here: gateway center-gw"), std::string::npos) << r.output;
}

TEST_F(RunDescriptorRefusal, ScenarioCheckAtTwentyThousandFindsNoRefusal) {
  Outcome r = run_limited(20000, {"scenario", "check", kLive20k});
  if (r.exit_code == 99) GTEST_SKIP() << "the hard descriptor limit here is below 20000";
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("descriptors live, each process may open 20000 (ulimit -n):"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("refuses"), std::string::npos) << r.output;
}

}  // namespace run_descriptor_refusal_test
