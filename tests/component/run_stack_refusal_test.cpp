// `wsfo run --stack`: an unknown stack, or a scenario item the chosen stack
// cannot play, is refused with one line and exit 2 before anything starts
// (no run directory, no part).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "process/child_process.hpp"

namespace run_stack_refusal_test {

using namespace std::chrono_literals;
using wsfo::process::ChildProcess;
namespace fs = std::filesystem;

const std::string kMshaSeed = std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-msha-cutover.json";

struct Refusal {
  int exit_code = -1;
  std::string stderr_text;
  bool run_dir_created = false;
};

class RunStackRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wsfo-stack-refusal-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  Refusal run(const std::string& scenario, const std::vector<std::string>& flags) {
    std::vector<std::string> argv{WSFO_BINARY, "run", scenario, "--report-dir", (dir_ / "out").string()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    fs::remove(dir_ / "run.stderr");  // appended to: one run's lines only
    Refusal result;
    {
      ChildProcess wsfo(argv, (dir_ / "run.stderr").string());
      // A refusal happens before anything starts: well within a second; a run would take minutes.
      auto status = wsfo.wait_for_exit(10s);
      if (status) result.exit_code = status->exited ? status->code : 128 + status->signal;
    }
    std::ifstream err(dir_ / "run.stderr");
    result.stderr_text.assign(std::istreambuf_iterator<char>(err), {});
    result.run_dir_created = fs::exists(dir_ / "out");
    return result;
  }

  fs::path dir_;
};

TEST_F(RunStackRefusal, AnUnknownStackNamesTheKnownOnes) {
  Refusal r = run(kMshaSeed, {"--stack", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.stderr_text, "wsfo run: unknown stack \"nope\" (known: wsfo, nginx-keepalived)\n");
  EXPECT_FALSE(r.run_dir_created);
}

TEST_F(RunStackRefusal, NginxKeepalivedRefusesTheMshaSeedNamingItsSecondUnit) {
  Refusal r = run(kMshaSeed, {"--stack", "nginx-keepalived"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.stderr_text, "wsfo run: " + kMshaSeed +
                               ": units[1] (unbj): the nginx-keepalived stack is plain nginx: it serves one unit, "
                               "with no redirect or correction between units\n");
  EXPECT_FALSE(r.run_dir_created);
}

// The stack written in the scenario is refused the same way, without the flag.
TEST_F(RunStackRefusal, TheScenariosOwnStackIsCheckedToo) {
  std::ifstream in(kMshaSeed);
  auto document = nlohmann::json::parse(in);
  document["stack"] = {{"kind", "nginx-keepalived"}};
  const std::string path = (dir_ / "msha-on-nginx.json").string();
  std::ofstream(path) << document.dump(2);
  Refusal r = run(path, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.stderr_text.rfind("wsfo run: " + path + ": units[1] (unbj): the nginx-keepalived stack", 0), 0u)
      << r.stderr_text;
  EXPECT_FALSE(r.run_dir_created);
}

// Plain nginx has no admin API to make unreachable or slow.
TEST_F(RunStackRefusal, AnAdminApiFaultIsRefusedOnNginxKeepalived) {
  std::ifstream in(std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-keepalived-ha.json");
  auto document = nlohmann::json::parse(in);
  auto& timeline = document["timeline"];
  const std::size_t index = 0;  // first, while every node is up
  timeline.insert(timeline.begin(), nlohmann::json{{"at", "0s"},
                                                   {"action", "admin-unreachable"},
                                                   {"node", document["units"][0]["nodes"][0]["name"]}});
  const std::string path = (dir_ / "admin-fault-on-nginx.json").string();
  std::ofstream(path) << document.dump(2);
  Refusal r = run(path, {"--stack", "nginx-keepalived"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.stderr_text, "wsfo run: " + path + ": timeline[" + std::to_string(index) +
                               "] (admin-unreachable): the nginx-keepalived stack is plain nginx: it has no admin API "
                               "to make unreachable or slow\n");
  EXPECT_FALSE(r.run_dir_created);
}

}  // namespace run_stack_refusal_test

namespace run_stack_refusal_test {

// Before anything starts, with no root needed: the binary check comes first.
TEST_F(RunStackRefusal, AMissingNginxOrKeepalivedIsNamedWithItsPackage) {
  const std::string seed = std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-keepalived-ha.json";
  Refusal nginx = run(seed, {"--stack", "nginx-keepalived", "--nginx-binary", "/nonexistent/nginx"});
  EXPECT_EQ(nginx.exit_code, 2);
  EXPECT_EQ(nginx.stderr_text,
            "wsfo run: cannot play on the nginx-keepalived stack here: /nonexistent/nginx is missing (Debian package "
            "nginx-light)\n");
  EXPECT_FALSE(nginx.run_dir_created);
  Refusal keepalived = run(seed, {"--stack", "nginx-keepalived", "--keepalived-binary", "/nonexistent/keepalived"});
  EXPECT_EQ(keepalived.exit_code, 2);
  EXPECT_EQ(keepalived.stderr_text,
            "wsfo run: cannot play on the nginx-keepalived stack here: /nonexistent/keepalived is missing (Debian "
            "package keepalived)\n");
  EXPECT_FALSE(keepalived.run_dir_created);
}

}  // namespace run_stack_refusal_test
