#include "simulator/stack/netns_names.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "simulator/stack/netns_command.hpp"

namespace wsfo::stack {

namespace {

// Where `ip netns add` mounts named namespaces.
constexpr const char* kNetnsDir = "/run/netns";

template <class Number>
std::optional<Number> parse_number(const std::string& text) {
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!file || !std::getline(file, stat)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int number = 3; fields >> field; ++number) {
    if (number == 3 && field == "Z") return std::nullopt;  // a zombie: dead, only not yet reaped
    if (number == 22) return parse_number<std::uint64_t>(field);
  }
  return std::nullopt;
}

TestbedOwner this_process_as_owner() { return {getpid(), process_start_time(getpid()).value_or(0)}; }

bool owner_alive(const TestbedOwner& owner) { return process_start_time(owner.pid) == owner.start_time; }

std::string namespace_prefix(const TestbedOwner& owner) {
  return "wsfo-" + std::to_string(owner.pid) + "-" + std::to_string(owner.start_time) + "-";
}

std::optional<TestbedOwner> owner_of_namespace(const std::string& name) {
  const std::string start = "wsfo-";
  if (name.rfind(start, 0) != 0) return std::nullopt;
  auto pid_end = name.find('-', start.size());
  if (pid_end == std::string::npos) return std::nullopt;
  auto time_end = name.find('-', pid_end + 1);
  if (time_end == std::string::npos || time_end + 1 >= name.size()) return std::nullopt;
  auto pid = parse_number<pid_t>(name.substr(start.size(), pid_end - start.size()));
  auto start_time = parse_number<std::uint64_t>(name.substr(pid_end + 1, time_end - pid_end - 1));
  if (!pid || !start_time || *pid <= 0) return std::nullopt;
  return TestbedOwner{*pid, *start_time};
}

std::vector<std::string> list_namespaces() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, error))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool namespace_exists(const std::string& name) {
  struct stat info {};
  return !name.empty() && name.find('/') == std::string::npos &&
         stat((std::string(kNetnsDir) + "/" + name).c_str(), &info) == 0;
}

std::vector<pid_t> pids_in_namespace(const std::string& name) {
  std::vector<pid_t> pids;
  struct stat target {};
  if (!namespace_exists(name) || stat((std::string(kNetnsDir) + "/" + name).c_str(), &target) != 0) return pids;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    auto pid = parse_number<pid_t>(entry.path().filename().string());
    if (!pid) continue;
    struct stat net {};
    // Fails for a process that just ended, and for a zombie: neither holds the namespace any more.
    if (stat(("/proc/" + std::to_string(*pid) + "/ns/net").c_str(), &net) != 0) continue;
    if (net.st_dev == target.st_dev && net.st_ino == target.st_ino) pids.push_back(*pid);
  }
  return pids;
}

std::string kill_and_delete_namespaces(const std::string& ip, const std::vector<std::string>& names) {
  std::vector<std::string> present;
  for (const auto& name : names)
    if (namespace_exists(name)) present.push_back(name);
  if (present.empty()) return "";
  // A process may fork while we kill its parent: go round until nothing is left.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  std::vector<pid_t> survivors;
  while (true) {
    survivors.clear();
    for (const auto& name : present) {
      for (pid_t pid : pids_in_namespace(name)) {
        if (kill(pid, SIGKILL) == 0 || errno != ESRCH) survivors.push_back(pid);
      }
    }
    if (survivors.empty() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::string> lines;
  for (const auto& name : present) lines.push_back("netns delete " + name);
  // -force: one namespace that cannot be deleted does not keep the others.
  CommandResult deleted = run_ip_batch(ip, "", lines, /*force=*/true);
  // Judged by what is left, not by ip's status: another run clearing the same stale testbed at the same
  // moment may have deleted a namespace first, which is no failure.
  std::string problem;
  for (const auto& name : present) {
    if (namespace_exists(name)) {
      problem = "namespace " + name + " is still there after deleting it" +
                (deleted.ok ? std::string() : ": " + deleted.error);
      break;
    }
  }
  if (problem.empty() && !survivors.empty())
    problem = std::to_string(survivors.size()) + " process(es) survived SIGKILL, e.g. pid " +
              std::to_string(survivors.front());
  return problem;
}

}  // namespace wsfo::stack
