#include "simulator/stack/netns_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "process/child_process.hpp"

namespace wsfo::stack {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

std::string one_line(const std::string& text) {
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\r' || part.back() == '\t')) part.pop_back();
    if (!part.empty()) line += (line.empty() ? "" : "; ") + part;
    start = end + 1;
  }
  constexpr std::size_t kMaxLength = 400;
  if (line.size() > kMaxLength) line = line.substr(0, kMaxLength) + "...";
  return line;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult result;
  auto deadline = Clock::now() + timeout;
  try {
    process::ChildProcess child(argv);
    while (auto line = child.read_stdout_line(left_until(deadline))) result.out += *line + "\n";
    std::string errors = child.read_stderr(left_until(deadline));
    auto status = child.wait_for_exit(left_until(deadline));
    if (!status) {
      result.error = argv[0] + " did not end within " + std::to_string(timeout.count()) + " ms";
    } else if (!status->exited || status->code != 0) {
      result.error = one_line(errors);
      if (result.error.empty()) result.error = argv[0] + " ended with " + status->describe();
    } else {
      result.ok = true;
    }
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

CommandResult run_ip_batch(const std::string& ip, const std::string& netns, const std::vector<std::string>& lines,
                           bool force) {
  std::string path = (std::filesystem::temp_directory_path() / "wsfo-ip-batch-XXXXXX").string();
  int fd = mkstemp(path.data());
  if (fd < 0) return {false, "", "cannot create a temporary file for ip -batch in " + path};
  close(fd);
  {
    std::ofstream file(path, std::ios::trunc);
    for (const auto& line : lines) file << line << '\n';
    if (!file.flush()) {
      std::filesystem::remove(path);
      return {false, "", "cannot write " + path};
    }
  }
  std::vector<std::string> argv = {ip};
  if (!netns.empty()) argv.insert(argv.end(), {"-n", netns});
  if (force) argv.push_back("-force");
  argv.insert(argv.end(), {"-batch", path});
  CommandResult result = run_command(argv);
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return result;
}

std::string find_system_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    std::string path = dir + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

}  // namespace wsfo::stack
