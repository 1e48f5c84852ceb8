#pragma once
// The processes of a live run, by part name ("gateway center-gw1", "clients
// fleet#0"), with what is needed to start them again. A part that cannot be
// started, or that dies without the timeline killing it, is reported with its
// name and the cause, because then the run says nothing about the scenario.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "process/child_process.hpp"
#include "simulator/live/live_plan.hpp"
#include "simulator/live/process_usage.hpp"
#include "simulator/live/verbose_echo.hpp"

namespace wsfo::live {

struct PartsOptions {
  std::string wsfo_binary;
  std::string log_dir;  // <part>.log: each part's stderr
  std::chrono::milliseconds ready_timeout{10000};
  std::chrono::milliseconds stop_timeout{10000};
};

class Parts;

// clients-add: starts the client processes of `group`'s wave (the live plan's
// waves) and adds their events files. "" or why not.
std::string start_clients_wave(const LivePlan& plan, const std::string& group, Parts& parts,
                               std::vector<std::string>& events_files);

class Parts {
 public:
  Parts(PartsOptions options, std::ostream& log) : options_(std::move(options)), log_(log) {}
  ~Parts() { stop_all(); }

  // Starts a part; with `wait_ready`, waits for its "ready ..." line. Returns
  // why it failed ("<part>: <cause>"), or empty.
  std::string start(const ProcessPlan& plan, bool wait_ready);
  std::string restart(const std::string& name, bool wait_ready);
  bool signal(const std::string& name, int signal);
  // SIGKILL, as the timeline's kill: the part's death is expected from now on.
  void kill(const std::string& name);
  // The part was killed from outside (every process of a namespace): its
  // death is expected from now on, as after kill().
  void expect_death(const std::string& name);
  bool running(const std::string& name);
  // Killed by a timeline action and not restarted since.
  bool killed(const std::string& name) const { return killed_.count(name) > 0; }
  // Every part that has exited although nothing asked it to: "<part> died:
  // <exit status>; last log line: ..." each.
  std::vector<std::string> unexpected_exits();
  // SIGTERM to every part whose name starts with `prefix`, then wait.
  void terminate(const std::string& prefix);
  void stop_all();
  // CPU and peak RSS per part: the processes a kill or restart ended, added
  // up, plus the running ones now. Call before stopping them.
  std::map<std::string, ProcessUsage> usage();

 private:
  // Keeps what `name`'s running process has cost before it goes.
  void keep_usage(const std::string& name);

  std::string log_file(const std::string& name) const;

  PartsOptions options_;
  std::ostream& log_;
  std::map<std::string, ProcessPlan> plans_;
  std::map<std::string, std::unique_ptr<process::ChildProcess>> running_;
  std::set<std::string> killed_;
  std::map<std::string, ProcessUsage> ended_usage_;
  std::mutex out_mutex_;
  std::map<std::string, std::unique_ptr<VerboseEcho>> echoes_;  // declared after running_: destroyed first
};

}  // namespace wsfo::live
