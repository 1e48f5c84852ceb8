#pragma once
// Running the host tools the testbed is built with (ip, nft, sysctl) and
// turning their failures into one line.
#include <chrono>
#include <string>
#include <vector>

namespace wsfo::stack {

struct CommandResult {
  bool ok = false;
  std::string out;    // stdout, every line followed by '\n'
  std::string error;  // when !ok: stderr on one line ("; " between its lines), or how it ended
};

// Runs argv (argv[0] a path) to its end, within `timeout` (then it is killed).
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// `ip -batch` (in namespace `netns` when not empty) on these lines, written to
// a temporary file: one process for many commands. Stops at the first failing
// line, unless `force` (then every line is tried, and the result fails if one did).
CommandResult run_ip_batch(const std::string& ip, const std::string& netns, const std::vector<std::string>& lines,
                           bool force = false);

// The path of a system tool (looked for in /usr/sbin, /sbin, /usr/bin, /bin:
// root's tools, whatever PATH says), or "" when it is not installed.
std::string find_system_tool(const std::string& name);

}  // namespace wsfo::stack
