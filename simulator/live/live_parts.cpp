#include "simulator/live/live_parts.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>

#include "process/live_clock.hpp"

namespace wsfo::live {

using process::LiveClock;

std::string start_clients_wave(const LivePlan& plan, const std::string& group, Parts& parts,
                               std::vector<std::string>& events_files) {
  auto wave = plan.waves.find(group);
  if (wave == plan.waves.end()) return "no client group " + group + " waits for clients-add";
  for (const auto& process : wave->second) {
    if (auto error = parts.start(process.process, false); !error.empty()) return error;
    events_files.push_back(process.events_file);
  }
  return {};
}

std::string Parts::log_file(const std::string& name) const {
  std::string file = name;
  std::replace(file.begin(), file.end(), ' ', '-');
  std::replace(file.begin(), file.end(), '#', '-');
  return options_.log_dir + "/" + file + ".log";
}

std::string Parts::start(const ProcessPlan& plan, bool wait_ready) {
  plans_[plan.name] = plan;
  killed_.erase(plan.name);
  std::vector<std::string> argv = plan.program;
  if (argv.empty()) argv.push_back(options_.wsfo_binary);
  argv.insert(argv.end(), plan.args.begin(), plan.args.end());
  try {
    echoes_.erase(plan.name);
    running_[plan.name] = std::make_unique<process::ChildProcess>(
        argv, process::ChildOptions{log_file(plan.name), plan.stdout_to_log, false});
  } catch (const std::exception& e) {
    running_.erase(plan.name);
    return plan.name + ": cannot start: " + e.what();
  }
  process::ChildProcess& child = *running_[plan.name];
  if (plan.echo_stdout) echoes_[plan.name] = std::make_unique<VerboseEcho>(child, std::cout, out_mutex_);
  if (!wait_ready) return {};
  auto line = child.read_stdout_line(options_.ready_timeout);
  if (line && line->rfind("ready", 0) == 0) {
    log_ << "  " << plan.name << ": " << *line << "\n";
    return {};
  }
  // End of file on stdout usually means it exited: say how, not just "not ready".
  if (auto status = child.wait_for_exit(std::chrono::milliseconds(line ? 0 : 500)))
    return plan.name + ": exited before it was ready: " + process::describe_end(*status, log_file(plan.name));
  return plan.name + ": not ready within " + std::to_string(options_.ready_timeout.count()) + " ms (see " +
         log_file(plan.name) + ")";
}

std::string Parts::restart(const std::string& name, bool wait_ready) {
  auto it = plans_.find(name);
  if (it == plans_.end()) return "no part named " + name;
  keep_usage(name);
  echoes_.erase(name);
  running_.erase(name);
  return start(ProcessPlan(it->second), wait_ready);
}

bool Parts::signal(const std::string& name, int signal) {
  auto it = running_.find(name);
  if (it == running_.end()) return false;
  it->second->send_signal(signal);
  return true;
}

void Parts::kill(const std::string& name) {
  if (auto it = running_.find(name); it != running_.end()) {
    killed_.insert(name);
    keep_usage(name);
    it->second->send_signal(SIGKILL);
    it->second->wait_for_exit(std::chrono::milliseconds(2000));
  }
}

void Parts::expect_death(const std::string& name) {
  if (auto it = running_.find(name); it != running_.end()) {
    killed_.insert(name);
    it->second->wait_for_exit(std::chrono::milliseconds(2000));
  }
}

bool Parts::running(const std::string& name) {
  auto it = running_.find(name);
  return it != running_.end() && !it->second->try_wait();
}

std::vector<std::string> Parts::unexpected_exits() {
  std::vector<std::string> failures;
  for (auto& [name, child] : running_) {
    if (killed(name)) continue;
    if (auto status = child->try_wait()) failures.push_back(process::describe_death(name, *status, log_file(name)));
  }
  return failures;
}

void Parts::terminate(const std::string& prefix) {
  for (auto& [name, child] : running_)
    if (name.rfind(prefix, 0) == 0) child->send_signal(SIGTERM);
  auto deadline = LiveClock::now() + options_.stop_timeout;
  for (auto& [name, child] : running_) {
    if (name.rfind(prefix, 0) != 0) continue;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - LiveClock::now());
    if (!child->wait_for_exit(std::max(left, std::chrono::milliseconds(1))))
      log_ << "  " << name << " did not stop within " << options_.stop_timeout.count() << " ms; killed\n";
  }
}

void Parts::keep_usage(const std::string& name) {
  auto it = running_.find(name);
  if (it == running_.end()) return;
  if (auto now = read_process_usage(it->second->pid())) {
    ProcessUsage& kept = ended_usage_[name];
    kept.cpu_s += now->cpu_s;
    kept.peak_rss_kib = std::max(kept.peak_rss_kib, now->peak_rss_kib);
  }
}

std::map<std::string, ProcessUsage> Parts::usage() {
  std::map<std::string, ProcessUsage> all = ended_usage_;
  for (auto& [name, child] : running_) {
    if (child->try_wait()) continue;
    if (auto now = read_process_usage(child->pid())) {
      ProcessUsage& u = all[name];
      u.cpu_s += now->cpu_s;
      u.peak_rss_kib = std::max(u.peak_rss_kib, now->peak_rss_kib);
    }
  }
  return all;
}

void Parts::stop_all() {  // ChildProcess kills and reaps on destruction
  echoes_.clear();
  running_.clear();
}

}  // namespace wsfo::live
