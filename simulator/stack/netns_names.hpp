#pragma once
// Naming testbed namespaces after their owner, and finding what lives in them.
// A namespace is `wsfo-<pid>-<starttime>-<role>`: the owner's pid with its
// start time (a pid the kernel reused for another process is not the owner),
// so that a later run can tell a dead run's leftovers from a live run's testbed.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::stack {

struct TestbedOwner {
  pid_t pid = 0;
  std::uint64_t start_time = 0;  // /proc/<pid>/stat's starttime, in clock ticks since boot
};

TestbedOwner this_process_as_owner();
// nullopt when the process does not exist (or has already been reaped).
std::optional<std::uint64_t> process_start_time(pid_t pid);
bool owner_alive(const TestbedOwner& owner);

// "wsfo-<pid>-<starttime>-"
std::string namespace_prefix(const TestbedOwner& owner);
// The owner a testbed namespace's name encodes; nullopt for any other name.
std::optional<TestbedOwner> owner_of_namespace(const std::string& name);

// The named network namespaces (those of `ip netns`), sorted.
std::vector<std::string> list_namespaces();
bool namespace_exists(const std::string& name);
// Every process whose network namespace is `name` (what `ip netns pids` does).
std::vector<pid_t> pids_in_namespace(const std::string& name);

// SIGKILL every process of these namespaces (until none is left, at most about
// 1.5 s), then delete them: their veths go with them. "" or what failed.
std::string kill_and_delete_namespaces(const std::string& ip, const std::vector<std::string>& names);

}  // namespace wsfo::stack
