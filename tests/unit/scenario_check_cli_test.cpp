// `wsfo scenario check` as a user runs it: exit codes and what it prints.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CliRun run_wsfo(const std::string& arguments) {
  CliRun run;
  std::string command = "timeout 30 " + std::string(WSFO_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.output.append(buffer.data(), n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string read_seed(const std::string& name) {
  std::ifstream in(std::string(WSFO_SOURCE_DIR) + "/scenarios/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    path_ = (std::filesystem::temp_directory_path() / ("wsfo-scenario-" + std::to_string(getpid()) + ".json")).string();
    std::ofstream(path_) << contents;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ScenarioCheckCli, OverlappingRangesExitOneNamingBothRangesAndThePointer) {
  std::string text = read_seed("seed-msha-cutover.json");
  const std::string second = R"({"from": 5998, "to": 9999, "unit": "unbj"})";
  auto at = text.find(second);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, second.size(), R"({"from": 5000, "to": 9999, "unit": "unbj"})");
  TempFile file(text);
  CliRun run = run_wsfo("scenario check " + file.path());
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("/rules/ranges/1"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("[0, 5997] -> center"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("[5000, 9999] -> unbj"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("overlap on slots 5000-5997"), std::string::npos) << run.output;
}

TEST(ScenarioCheckCli, SeedIsValidAndSummarised) {
  CliRun run = run_wsfo("scenario check " + std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-msha-cutover.json");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("units 2, nodes 2, VIPs 0, backends 4"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("clients 3203 in 3 groups"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("slots 5998-6380 move from unbj to center"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("expect: exactly the clients in slots 5998-6380 disconnect"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("expect: they land in unit center"), std::string::npos) << run.output;
}

TEST(ScenarioCheckCli, UnreadableFileExitsThree) {
  CliRun run = run_wsfo("scenario check /nonexistent/wsfo-scenario.json");
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_NE(run.output.find("cannot read"), std::string::npos) << run.output;
}

TEST(ScenarioCheckCli, MissingArgumentIsAUsageError) {
  CliRun run = run_wsfo("scenario check");
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

TEST(ScenarioCheckCli, HelpDocumentsTheExitCodes) {
  CliRun run = run_wsfo("scenario check --help");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  for (const char* line :
       {"0  the scenario is valid", "1  the scenario is invalid", "2  usage error", "3  the file cannot be read"})
    EXPECT_NE(run.output.find(line), std::string::npos) << line << "\n" << run.output;
}

}  // namespace
