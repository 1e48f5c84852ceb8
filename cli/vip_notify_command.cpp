// `wsfo vip-notify`: keepalived's notify script on the real stack
// (docs/real-stack.md): each call appends one `vip` history event.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "core/stack/vip_notify.hpp"
#include "process/live_clock.hpp"

namespace wsfo::cli {

namespace {

struct VipNotifyFlags {
  std::string events_file;
  std::string node;
  std::string state_dir;
  std::string vip_addresses;
  std::vector<std::string> keepalived_args;
};

std::string errno_text() { return std::strerror(errno); }

// An open descriptor, closed (and so unlocked) on every path out.
struct Descriptor {
  int fd = -1;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// A node's instances' last states, in one small file of the state directory
// per node: {"server1": {"vip-110": "BACKUP"}}. Read and written only under
// the node's events file's lock: the nodes' notifications run concurrently
// (a preempt notifies both at once), so one file for all would lose updates.
class StateFile {
 public:
  StateFile(const std::string& dir, const std::string& node)
      : path_(stack::vip_notify_state_file(dir, node)) {}

  bool load(std::string& error) {
    std::ifstream in(path_);
    if (!in) {
      if (std::filesystem::exists(path_)) {
        error = "cannot read " + path_.string();
        return false;
      }
      return true;  // no state yet: every instance starts from the emulation's initial state
    }
    std::stringstream text;
    text << in.rdbuf();
    states_ = nlohmann::json::parse(text.str(), nullptr, false);
    if (!states_.is_object()) {
      error = path_.string() + " is not the JSON object vip-notify writes";
      return false;
    }
    return true;
  }

  std::string previous(const std::string& node, const std::string& instance) const {
    const auto n = states_.find(node);
    if (n == states_.end() || !n->is_object()) return stack::kInitialVipState;
    const auto i = n->find(instance);
    return i != n->end() && i->is_string() ? i->get<std::string>() : stack::kInitialVipState;
  }

  // Written next to it and renamed over it, so a reader never sees half a file.
  bool save(const std::string& node, const std::string& instance, const std::string& state, std::string& error) {
    states_[node][instance] = state;
    const auto temporary = path_.string() + ".new";
    {
      std::ofstream out(temporary, std::ios::trunc);
      out << states_.dump() << "\n";
      if (!out.flush()) {
        error = "cannot write " + temporary;
        return false;
      }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path_, ec);
    if (ec) error = "cannot replace " + path_.string() + ": " + ec.message();
    return !ec;
  }

 private:
  std::filesystem::path path_;
  nlohmann::json states_ = nlohmann::json::object();
};

// keepalived forks notify scripts without waiting, so two may run at once:
// the events file's lock orders them, each line goes out in one write(2) on
// an O_APPEND descriptor, and the state file changes under the same lock.
bool append_notification(const VipNotifyFlags& flags, const stack::VipNotification& notification, std::string& error) {
  Descriptor events{::open(flags.events_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)};
  if (events.fd < 0) {
    error = "cannot open " + flags.events_file + ": " + errno_text();
    return false;
  }
  while (::flock(events.fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    error = "cannot lock " + flags.events_file + ": " + errno_text();
    return false;
  }
  StateFile states(flags.state_dir, flags.node);
  if (!states.load(error)) return false;
  const std::string from = states.previous(flags.node, notification.instance);
  // keepalived also notifies STOP for an instance that never started (a
  // config it refuses at startup): no transition, and the emulation writes none.
  if (from == notification.to) return true;
  const std::string line =
      stack::vip_event_line(notification, flags.node, from, flags.vip_addresses, process::LiveClock::now_ns());
  const auto written = ::write(events.fd, line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size())) {
    error = "cannot append to " + flags.events_file + ": " + (written < 0 ? errno_text() : "short write");
    return false;
  }
  return states.save(flags.node, notification.instance, notification.to, error);
}

}  // namespace

void add_vip_notify_commands(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("vip-notify", "keepalived's notify script: append one `vip` history event");
  cmd->footer(
      "keepalived calls it as configured (`notify \"wsfo vip-notify --events F --node N --state-dir D\"`) with "
      "INSTANCE <name> <state> <priority> appended. The event (docs/history.md) has instance = <name>, vip = --vip, "
      "node, to = the state (MASTER, BACKUP, FAULT; STOP and DELETED → INITIALIZE, as the emulation writes on "
      "shutdown), from = the previous state of that node's instance (INITIALIZE the first time), priority and "
      "reason \"keepalived notify\"; t_ns is CLOCK_MONOTONIC. Concurrent calls are serialised by a lock on the "
      "events file.\n"
      "Exit: 0 appended; 2 bad arguments; 3 a file that cannot be read or written.");
  static VipNotifyFlags flags;
  cmd->add_option("--events", flags.events_file, "The history events file to append to (JSON lines)")->required();
  cmd->add_option("--node", flags.node, "This node's name: the event's source and node")->required();
  cmd->add_option("--state-dir", flags.state_dir, "Where the previous state of each instance is remembered")
      ->required();
  cmd->add_option("--vip", flags.vip_addresses,
                  "The instance's VIP addresses, comma-separated: the event's `vip` (default: the instance name)");
  cmd->add_option("keepalived", flags.keepalived_args, "INSTANCE <name> <state> <priority>, from keepalived");
  cmd->callback([&exit_code] {
    std::string error;
    auto notification = stack::parse_vip_notify(flags.keepalived_args, error);
    if (notification && flags.node.empty()) error = "--node is empty";
    if (!notification || !error.empty()) {
      std::cerr << "wsfo vip-notify: " << error << "\n";
      exit_code = kUsage;
      return;
    }
    if (!append_notification(flags, *notification, error)) {  // a file it cannot open, lock, read or write
      std::cerr << "wsfo vip-notify: " << error << "\n";
      exit_code = kIoError;
      return;
    }
    exit_code = kOk;
  });
}

}  // namespace wsfo::cli
