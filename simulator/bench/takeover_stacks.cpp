#include "simulator/bench/takeover_stacks.hpp"

#include <netinet/in.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "core/stack/keepalived_config.hpp"
#include "core/vrrp/agent_config.hpp"
#include "process/child_process.hpp"
#include "process/interrupt_signals.hpp"
#include "simulator/bench/takeover_capture.hpp"
#include "simulator/stack/testbed.hpp"

namespace wsfo::bench {

namespace {

constexpr int kVrid = 77;
constexpr std::uint16_t kVipPort = 18020;

struct TakeoverAddresses {
  std::string higher, lower, vip;
};

// Two nodes, one VIP listing both, nothing else: what the bench measures.
scenario::Scenario takeover_scenario(const TakeoverAddresses& addresses, const vrrp::TakeoverSetup& setup) {
  scenario::Scenario result;
  result.name = "takeover-bench";
  scenario::Unit unit;
  unit.name = "takeover";
  unit.nodes = {{kTakeoverHigher, addresses.higher, kVipPort, 0}, {kTakeoverLower, addresses.lower, kVipPort, 0}};
  scenario::Vip vip;
  vip.name = "vip-takeover";
  vip.address = addresses.vip;
  vip.port = kVipPort;
  vip.vrid = kVrid;
  vip.vrrp_version = 2;
  vip.advert_interval = setup.advert_interval;
  vip.preempt = true;
  vip.priorities = {{kTakeoverHigher, setup.master_priority}, {kTakeoverLower, setup.backup_priority}};
  unit.vips.push_back(vip);
  result.units.push_back(unit);
  return result;
}

std::string write_takeover_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  return out ? std::string() : "cannot write " + path;
}

std::string fresh_takeover_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  std::filesystem::create_directories(dir, error);
  return error ? "cannot create " + dir + ": " + error.message() : std::string();
}

// The `vip` events of a JSON-lines file; other lines (a log's text) are skipped.
void read_vip_events(const std::string& path, std::vector<history::Event>& out) {
  std::ifstream in(path);
  std::string line, error;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '{') continue;
    if (auto event = history::parse_event_line(line, error); event && event->kind == "vip") out.push_back(*event);
  }
}

// Waits for the child's end after a signal; a child that outlives it is killed.
void reap_after_signal(std::unique_ptr<process::ChildProcess>& child, std::chrono::milliseconds timeout) {
  if (!child) return;
  if (!child->wait_for_exit(timeout)) {
    child->send_signal(SIGKILL);
    child->wait_for_exit(std::chrono::seconds(2));
  }
  child.reset();
}

// Distinct per process, so two benches (or a bench and a test) on one machine
// never share a loopback address.
TakeoverAddresses emulation_addresses() {
  const std::string prefix = "127.88." + std::to_string(20 + ::getpid() % 200) + ".";
  return {prefix + "1", prefix + "2", prefix + "100"};
}

class EmulationStack : public TakeoverStack {
 public:
  EmulationStack(TakeoverStackFiles files, std::unique_ptr<AdvertCapture> capture)
      : files_(std::move(files)), dir_(files_.work_dir + "/wsfo"), capture_(std::move(capture)) {}

  std::string prepare(const scenario::Scenario& scenario) {
    if (auto e = fresh_takeover_dir(dir_); !e.empty()) return e;
    for (const auto& node : {kTakeoverHigher, kTakeoverLower}) {
      std::string error;
      auto config = vrrp::agent_config_for_node(scenario, node, error);
      if (!config) return "agent config of " + node + ": " + error;
      if (auto e = write_takeover_file(config_path(node), vrrp::to_json(*config).dump(2) + "\n"); !e.empty()) return e;
    }
    return "";
  }

  std::string name() const override { return kEmulationStack; }

  std::string reset() override {
    for (auto& [node, child] : agents_) {
      if (child) child->send_signal(SIGKILL);
      reap_after_signal(child, std::chrono::seconds(2));
    }
    for (const auto& node : {kTakeoverHigher, kTakeoverLower}) std::filesystem::remove(events_path(node));
    capture_->clear();
    return "";
  }

  std::string start(const std::string& node) override {
    process::ChildOptions options;
    options.log_file = events_path(node);  // the agent prints its events on stdout
    options.stdout_to_log = true;
    try {
      agents_[node] = std::make_unique<process::ChildProcess>(
          std::vector<std::string>{files_.wsfo, "vrrp-agent", "--config", config_path(node)}, options);
    } catch (const std::exception& e) {
      return std::string("starting the agent of ") + node + ": " + e.what();
    }
    return "";
  }

  std::string fault(const std::string& node, int signal) override {
    auto& child = agents_[node];
    if (!child) return "node " + node + " is not running";
    child->send_signal(signal);
    reap_after_signal(child, std::chrono::seconds(5));
    return "";
  }

  std::vector<history::Event> events() override {
    std::vector<history::Event> out;
    for (const auto& node : {kTakeoverHigher, kTakeoverLower}) read_vip_events(events_path(node), out);
    return out;
  }

  std::vector<std::int64_t> adverts_heard() override { return capture_->times(); }

 private:
  std::string config_path(const std::string& node) const { return dir_ + "/agent-" + node + ".json"; }
  std::string events_path(const std::string& node) const { return dir_ + "/events-" + node + ".jsonl"; }

  TakeoverStackFiles files_;
  std::string dir_;
  std::unique_ptr<AdvertCapture> capture_;
  std::map<std::string, std::unique_ptr<process::ChildProcess>> agents_;
};

std::string same_address_here(const std::string& address) { return address; }

std::string takeover_role(const std::string& node) { return "node " + node; }

class KeepalivedStack : public TakeoverStack {
 public:
  KeepalivedStack(TakeoverStackFiles files, TakeoverAddresses addresses)
      : files_(std::move(files)), dir_(files_.work_dir + "/keepalived"), addresses_(std::move(addresses)) {}

  ~KeepalivedStack() override {
    capture_.reset();
    for (auto& [node, child] : daemons_) child.reset();
    if (testbed_) testbed_->teardown();
    guard_.reset();  // after: a quick exit by signal during the teardown waits for it
  }

  std::string prepare(const scenario::Scenario& scenario) {
    if (auto e = fresh_takeover_dir(dir_); !e.empty()) return e;
    std::string error;
    stack::remove_stale_testbeds(error);  // a killed bench's namespaces; never a live owner's
    std::vector<stack::NamespaceSpec> spec = {{takeover_role(kTakeoverHigher), {addresses_.higher}, {}, false},
                                              {takeover_role(kTakeoverLower), {addresses_.lower}, {}, false}};
    testbed_ = stack::Testbed::build(spec, stack::this_process_as_owner(), error);
    if (!testbed_) return error;
    guard_.emplace([this](int) { testbed_->teardown(); });
    capture_ = AdvertCapture::open(testbed_->namespace_of(takeover_role(kTakeoverLower)),
                                   {IPPROTO_VRRP_NUMBER, addresses_.higher, addresses_.lower, std::nullopt}, error);
    if (!capture_) return error;
    for (const auto& node : {kTakeoverHigher, kTakeoverLower}) {
      stack::KeepalivedFiles files;
      files.notify_command = files_.wsfo + " vip-notify --events " + events_path(node) + " --node " + node +
                             " --state-dir " + dir_ + "/state";
      std::string config =
          stack::render_keepalived_config(scenario, *scenario.find_node(node), same_address_here, files, error);
      if (!error.empty()) return "keepalived config of " + node + ": " + error;
      if (auto e = write_takeover_file(config_path(node), config); !e.empty()) return e;
    }
    return "";
  }

  std::string name() const override { return kKeepalivedStack; }

  std::string reset() override {
    for (const auto& node : {kTakeoverHigher, kTakeoverLower}) {
      // Notify scripts still running count too: every process of the namespace.
      if (auto e = kill_everything(node); !e.empty()) return e;
      // A VIP that a SIGKILLed keepalived left on eth0 is gone, as after a reboot.
      if (auto e = testbed_->reset_addresses(takeover_role(node)); !e.empty()) return e;
      std::filesystem::remove(events_path(node));
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_ + "/state", ignored);
    std::filesystem::create_directories(dir_ + "/state", ignored);
    capture_->clear();
    return "";
  }

  std::string start(const std::string& node) override {
    const std::string role = takeover_role(node);
    if (daemons_[node]) return "keepalived of " + node + " is already running";
    if (auto e = testbed_->reset_addresses(role); !e.empty()) return e;
    std::vector<std::string> argv = testbed_->exec_prefix(role);
    const std::string base = dir_ + "/" + node;
    // A killed keepalived's pid files name processes that may not be reaped
    // yet: keepalived would take such a zombie for itself still running.
    for (const char* kind : {".keepalived.pid", ".vrrp.pid", ".checkers.pid"}) std::filesystem::remove(base + kind);
    for (const std::string& arg :
         {files_.keepalived, std::string("--dont-fork"), std::string("--log-console"), std::string("--vrrp"),
          std::string("--use-file"), config_path(node), std::string("--pid"), base + ".keepalived.pid",
          std::string("--vrrp_pid"), base + ".vrrp.pid", std::string("--checkers_pid"), base + ".checkers.pid"})
      argv.push_back(arg);
    process::ChildOptions options;
    options.log_file = base + ".keepalived.log";
    options.stdout_to_log = true;
    try {
      daemons_[node] = std::make_unique<process::ChildProcess>(argv, options);
    } catch (const std::exception& e) {
      return std::string("starting keepalived of ") + node + ": " + e.what();
    }
    return "";
  }

  std::string fault(const std::string& node, int signal) override {
    auto& child = daemons_[node];
    if (!child) return "keepalived of " + node + " is not running";
    if (signal == SIGKILL) {
      if (auto e = kill_everything(node); !e.empty()) return e;
    } else {
      child->send_signal(signal);  // `ip netns exec` exec()s keepalived: this is its parent process
    }
    reap_after_signal(child, std::chrono::seconds(5));
    return "";
  }

  std::vector<history::Event> events() override {
    std::vector<history::Event> out;
    for (const auto& node : {kTakeoverHigher, kTakeoverLower}) read_vip_events(events_path(node), out);
    return out;
  }

  std::vector<std::int64_t> adverts_heard() override { return capture_->times(); }

 private:
  static constexpr int IPPROTO_VRRP_NUMBER = 112;

  // SIGKILL to every process of the node's namespace, until none is left.
  std::string kill_everything(const std::string& node) {
    const std::string role = takeover_role(node);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    do {
      if (auto e = testbed_->kill_all(role, SIGKILL); !e.empty()) return e;
      reap_after_signal(daemons_[node], std::chrono::seconds(2));
      if (testbed_->pids(role).empty()) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return "processes of " + role + " outlived SIGKILL for 2 s";
  }

  std::string config_path(const std::string& node) const { return dir_ + "/keepalived-" + node + ".conf"; }
  std::string events_path(const std::string& node) const { return dir_ + "/events-" + node + ".jsonl"; }

  TakeoverStackFiles files_;
  std::string dir_;
  TakeoverAddresses addresses_;
  std::unique_ptr<stack::Testbed> testbed_;
  std::optional<process::UrgentTeardown> guard_;
  std::unique_ptr<AdvertCapture> capture_;
  std::map<std::string, std::unique_ptr<process::ChildProcess>> daemons_;
};

}  // namespace

std::unique_ptr<TakeoverStack> make_emulation_stack(const TakeoverStackFiles& files, const vrrp::TakeoverSetup& setup,
                                                    std::string& error) {
  const TakeoverAddresses addresses = emulation_addresses();
  auto capture =
      AdvertCapture::open("", {IPPROTO_UDP, addresses.higher, addresses.lower, vrrp::kDefaultAdvertPort}, error);
  if (!capture) return nullptr;
  auto stack = std::make_unique<EmulationStack>(files, std::move(capture));
  if (auto e = stack->prepare(takeover_scenario(addresses, setup)); !e.empty()) {
    error = "wsfo stack: " + e;
    return nullptr;
  }
  return stack;
}

std::unique_ptr<TakeoverStack> make_keepalived_stack(const TakeoverStackFiles& files, const vrrp::TakeoverSetup& setup,
                                                     std::string& error) {
  const TakeoverAddresses addresses{"198.18.0.1", "198.18.0.2", "198.18.0.100"};
  auto stack = std::make_unique<KeepalivedStack>(files, addresses);
  if (auto e = stack->prepare(takeover_scenario(addresses, setup)); !e.empty()) {
    error = "nginx-keepalived stack: " + e;
    return nullptr;
  }
  return stack;
}

std::string takeover_stack_unavailable_reason(const std::string& stack, const TakeoverStackFiles& files) {
  if (::access(files.wsfo.c_str(), X_OK) != 0) return files.wsfo + " is not an executable file";
  if (stack == kKeepalivedStack) {
    if (::access(files.keepalived.c_str(), X_OK) != 0)
      return files.keepalived + " is missing (Debian package keepalived)";
    return stack::testbed_unavailable_reason();
  }
  if (stack == kEmulationStack) {
    // The advert capture's raw socket, opened and closed at once.
    std::string error;
    auto capture = AdvertCapture::open("", {IPPROTO_UDP, "127.0.0.1", "127.0.0.1", 9}, error);
    return capture ? "" : error;
  }
  return "unknown stack '" + stack + "' (known: " + kEmulationStack + ", " + kKeepalivedStack + ")";
}

}  // namespace wsfo::bench
