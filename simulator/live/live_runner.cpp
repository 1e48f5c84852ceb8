#include "simulator/live/live_runner.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "core/scenario/client_population.hpp"
#include "gateway/admin_client.hpp"
#include "simulator/live/child_process.hpp"
#include "simulator/live/live_plan.hpp"
#include "simulator/live/verbose_echo.hpp"

namespace wsfo::live {

namespace {

using Clock = std::chrono::steady_clock;
using history::Event;

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// The running parts, by name, with what is needed to start them again.
class Parts {
 public:
  Parts(const LiveRunOptions& options, std::ostream& log) : options_(options), log_(log) {}
  ~Parts() { stop_all(); }

  // Starts a part; with `wait_ready`, waits for its "ready ..." line.
  std::string start(const ProcessPlan& plan, bool wait_ready) {
    plans_[plan.name] = plan;
    killed_.erase(plan.name);
    std::vector<std::string> argv = {options_.wsfo_binary};
    argv.insert(argv.end(), plan.args.begin(), plan.args.end());
    std::string log_file = options_.run_dir + "/logs/" + file_name(plan.name) + ".log";
    try {
      echoes_.erase(plan.name);
      running_[plan.name] = std::make_unique<ChildProcess>(argv, log_file);
    } catch (const std::exception& e) {
      return plan.name + ": cannot start: " + e.what();
    }
    if (plan.echo_stdout)
      echoes_[plan.name] = std::make_unique<VerboseEcho>(*running_[plan.name], std::cout, out_mutex_);
    if (!wait_ready) return {};
    auto line = running_[plan.name]->read_stdout_line(options_.ready_timeout);
    if (!line || line->rfind("ready", 0) != 0)
      return plan.name + ": not ready within " + std::to_string(options_.ready_timeout.count()) + " ms (see " +
             log_file + ")";
    log_ << "  " << plan.name << ": " << *line << "\n";
    return {};
  }

  std::string restart(const std::string& name, bool wait_ready) {
    auto it = plans_.find(name);
    if (it == plans_.end()) return "no part named " + name;
    echoes_.erase(name);
    running_.erase(name);
    return start(ProcessPlan(it->second), wait_ready);
  }

  bool signal(const std::string& name, int signal) {
    auto it = running_.find(name);
    if (it == running_.end()) return false;
    it->second->send_signal(signal);
    return true;
  }

  void kill(const std::string& name) {
    if (auto it = running_.find(name); it != running_.end()) {
      it->second->send_signal(SIGKILL);
      it->second->wait_for_exit(std::chrono::milliseconds(2000));
      killed_.insert(name);
    }
  }

  // Killed by a timeline action and not restarted since.
  bool killed(const std::string& name) const { return killed_.count(name) > 0; }

  // SIGTERM to every part whose name starts with `prefix`, then wait.
  void terminate(const std::string& prefix) {
    for (auto& [name, child] : running_)
      if (name.rfind(prefix, 0) == 0) child->send_signal(SIGTERM);
    auto deadline = Clock::now() + options_.stop_timeout;
    for (auto& [name, child] : running_) {
      if (name.rfind(prefix, 0) != 0) continue;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (!child->wait_for_exit(std::max(left, std::chrono::milliseconds(1))))
        log_ << "  " << name << " did not stop within " << options_.stop_timeout.count() << " ms; killed\n";
    }
  }

  void stop_all() {  // ChildProcess kills and reaps on destruction
    echoes_.clear();
    running_.clear();
  }

 private:
  static std::string file_name(std::string name) {
    std::replace(name.begin(), name.end(), ' ', '-');
    std::replace(name.begin(), name.end(), '#', '-');
    return name;
  }

  const LiveRunOptions& options_;
  std::ostream& log_;
  std::map<std::string, ProcessPlan> plans_;
  std::map<std::string, std::unique_ptr<ChildProcess>> running_;
  std::set<std::string> killed_;
  std::mutex out_mutex_;
  std::map<std::string, std::unique_ptr<VerboseEcho>> echoes_;  // declared after running_: destroyed first
};

std::vector<cutover::GatewayRef> gateway_refs(const LivePlan& plan) {
  std::vector<cutover::GatewayRef> refs;
  for (const auto& g : plan.gateways) refs.push_back({g.node, g.unit, g.admin});
  return refs;
}

const GatewayPlan* find_gateway(const LivePlan& plan, const std::string& node) {
  for (const auto& g : plan.gateways)
    if (g.node == node) return &g;
  return nullptr;
}

class Player {
 public:
  Player(const scenario::Scenario& scenario, const LiveRunOptions& options, std::ostream& log)
      : scenario_(scenario),
        options_(options),
        log_(log),
        parts_(options, log),
        plan_(make_live_plan(scenario, options.run_dir, options.verbose_groups)),
        current_(scenario),
        active_rules_(scenario.rules) {}

  std::string start() {
    namespace fs = std::filesystem;
    // A run directory used before keeps nothing of that run: its rules state
    // files would start the gateways on the old version, its events would mix in.
    for (auto sub : {"logs", "state", "events"}) {
      std::error_code error;
      fs::remove_all(options_.run_dir + "/" + sub, error);
      if (!error) fs::create_directories(options_.run_dir + "/" + sub, error);
      if (error) return "cannot prepare " + options_.run_dir + "/" + sub + ": " + error.message();
    }
    for (const auto& g : plan_.gateways) std::ofstream(options_.run_dir + "/" + g.config_file) << g.config.dump(2);
    log_ << "starting " << plan_.backends.size() << " backends, " << plan_.gateways.size() << " gateways, "
         << plan_.clients.size() << " client processes\n";
    for (const auto& b : plan_.backends)
      if (auto error = parts_.start(b.process, true); !error.empty()) return error;
    for (const auto& g : plan_.gateways)
      if (auto error = parts_.start(g.process, true); !error.empty()) return error;
    for (const auto& g : plan_.gateways)  // VIP transitions of the embedded VRRP agents
      if (!g.vrrp_events_file.empty()) events_files_.push_back(g.vrrp_events_file);
    for (const auto& c : plan_.clients) {
      if (auto error = parts_.start(c.process, false); !error.empty()) return error;
      events_files_.push_back(c.events_file);
    }
    return {};
  }

  void play(reports::RunRecord& record) {
    record.start_ns = monotonic_ns();
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < scenario_.timeline.size(); ++i) {
      const scenario::TimelineEvent& event = scenario_.timeline[i];
      wait_until(t0, event.at);
      std::string name = scenario::action_name(event.action);
      std::int64_t at = monotonic_ns();
      log_ << "[+" << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count() << " ms] #" << i
           << " " << name << "\n";
      checks::EventWindow window;
      window.index = i;
      window.name = name;
      window.start_ns = at;
      window.expect = event.expect;
      record.windows.push_back(std::move(window));
      own_events_.push_back({"action", at, "orchestrator", std::nullopt, {{"index", i}, {"action", name}}});
      perform(i, event.action, record);
      if (event.expect.same_version || std::holds_alternative<scenario::Cutover>(event.action))
        record.windows.back().versions_after = gateway_versions();
    }
    wait_until(t0, scenario_.duration);
    record.end_ns = monotonic_ns();
    for (std::size_t i = 0; i < record.windows.size(); ++i)
      record.windows[i].end_ns = i + 1 < record.windows.size() ? record.windows[i + 1].start_ns : record.end_ns;
    record.rules_after = active_rules_;
  }

  void stop() {
    parts_.terminate("clients");
    parts_.terminate("gateway");
    parts_.terminate("backend");
    parts_.stop_all();
  }

  // Every part's events and ours, in time order; malformed lines become notes.
  void collect(reports::RunRecord& record) {
    record.history = own_events_;
    for (const auto& file : events_files_) {
      std::ifstream in(file);
      if (!in) {
        record.notes.push_back("no events file " + file);
        continue;
      }
      std::string line, error;
      std::size_t number = 0;
      while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        if (auto event = history::parse_event_line(line, error))
          record.history.push_back(std::move(*event));
        else
          record.notes.push_back(file + ":" + std::to_string(number) + ": " + error);
      }
    }
    std::stable_sort(record.history.begin(), record.history.end(),
                     [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
  }

 private:
  void perform(std::size_t index, const scenario::Action& action, reports::RunRecord& record) {
    std::string error = std::visit([&](const auto& a) { return perform_one(index, a, record); }, action);
    if (!error.empty()) {
      log_ << "  error: " << error << "\n";
      record.notes.push_back("#" + std::to_string(index) + " " + scenario::action_name(action) + ": " + error);
      record.windows.back().action_error = error;
    }
  }

  // Sleeps until `at` after `t0`; on a terminal, says every few seconds how far the run is.
  void wait_until(Clock::time_point t0, scenario::Duration at) {
    const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(at);
    const auto total = std::chrono::duration_cast<std::chrono::seconds>(scenario_.duration).count();
    while (options_.progress && Clock::now() + std::chrono::seconds(5) < deadline) {
      std::this_thread::sleep_for(std::chrono::seconds(5));
      log_ << "  ... " << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count() << " s of "
           << total << " s" << std::endl;
    }
    std::this_thread::sleep_until(deadline);
  }

  // Each gateway's active rules version, or nullopt when it does not answer.
  std::map<std::string, std::optional<std::uint64_t>> gateway_versions() {
    gateway::HttpGatewayAdmin admin;
    std::map<std::string, std::optional<std::uint64_t>> versions;
    for (const auto& ref : gateway_refs(plan_)) {
      cutover::GatewayStatus status = admin.status(ref);
      versions[ref.node] = status.reachable ? std::optional(status.version) : std::nullopt;
    }
    return versions;
  }

  std::string perform_one(std::size_t index, const scenario::Cutover& c, reports::RunRecord& record) {
    cutover::Options options;
    options.fence = c.fence;
    options.catch_up = c.catch_up;
    options.skew = c.skew;
    gateway::HttpGatewayAdmin admin;
    cutover::CutoverWorkflow workflow(gateway_refs(plan_), active_rules_, c.rules, options, admin);
    cutover::CutoverResult result = workflow.execute();
    log_ << "  cutover v" << result.from_version << " -> v" << result.to_version << ": "
         << cutover::to_string(result.outcome) << (result.reason.empty() ? "" : " (" + result.reason + ")") << "\n";
    if (result.outcome == cutover::Outcome::committed) active_rules_ = c.rules;
    record.windows.back().cutover_outcome = std::string(cutover::to_string(result.outcome));
    record.cutovers[index] = std::move(result);
    return {};
  }
  std::string perform_one(std::size_t, const scenario::KillNode& k, reports::RunRecord&) {
    parts_.kill("gateway " + k.node);
    return {};
  }
  std::string perform_one(std::size_t, const scenario::RestoreNode& r, reports::RunRecord&) {
    return parts_.restart("gateway " + r.node, true);
  }
  std::string set_serving(const std::string& node, bool serving) {
    const GatewayPlan* gateway = find_gateway(plan_, node);
    if (!gateway) return "unknown node " + node;
    auto reply = gateway::http_request(gateway->admin, "POST", "/faults",
                                       serving ? R"({"serving": true})" : R"({"serving": false})", "",
                                       std::chrono::milliseconds(3000));
    return reply.status == 200 ? std::string() : "POST /faults on " + node + " failed: " + reply.error + reply.body;
  }
  std::string perform_one(std::size_t, const scenario::StopGateway& s, reports::RunRecord&) {
    return set_serving(s.node, false);
  }
  std::string perform_one(std::size_t, const scenario::StartGateway& s, reports::RunRecord&) {
    return set_serving(s.node, true);
  }
  std::string perform_one(std::size_t, const scenario::BackendKill& b, reports::RunRecord&) {
    parts_.kill("backend " + b.backend);
    return {};
  }
  std::string perform_one(std::size_t, const scenario::BackendRestore& b, reports::RunRecord&) {
    return parts_.restart("backend " + b.backend, true);
  }
  // A graceful reload, as nginx -s reload in seed 002: the new backend starts,
  // then every gateway of the unit gets its rewritten config.
  std::string perform_one(std::size_t, const scenario::BackendAdd& a, reports::RunRecord&) {
    if (auto error = scenario::apply_reload(current_, a); !error.empty()) return error;
    if (auto error = parts_.start(backend_plan(current_, a.unit, a.backend).process, true); !error.empty())
      return error;
    return reload_unit(*current_.find_unit(a.unit));
  }
  // The backend leaves the routes; its process keeps serving the connections
  // it has (a reload drops none) until the run ends.
  std::string perform_one(std::size_t, const scenario::BackendRemove& r, reports::RunRecord&) {
    if (auto error = scenario::apply_reload(current_, r); !error.empty()) return error;
    return reload_unit(*current_.find_unit(r.unit));
  }
  std::string perform_one(std::size_t, const scenario::ClientsAdd& c, reports::RunRecord&) {
    for (const auto& process : plan_.waves[c.group]) {
      if (auto error = parts_.start(process.process, false); !error.empty()) return error;
      events_files_.push_back(process.events_file);
    }
    return {};
  }
  std::string perform_one(std::size_t, const scenario::Wait&, reports::RunRecord&) { return {}; }
  // Split brain: each node's VRRP agent drops the other's adverts (POST
  // /faults {"drop_adverts_from": [...]}); heal lifts it on both.
  std::string drop_adverts(const std::string& node, const std::string& peer_node, bool drop) {
    const GatewayPlan* gateway = find_gateway(plan_, node);
    const scenario::Node* peer = scenario_.find_node(peer_node);
    if (!gateway || !peer) return "unknown node " + (gateway ? peer_node : node);
    json::Json body = {{"drop_adverts_from", drop ? json::Json::array({peer->address}) : json::Json::array()}};
    auto reply =
        gateway::http_request(gateway->admin, "POST", "/faults", body.dump(), "", std::chrono::milliseconds(3000));
    return reply.status == 200 ? std::string() : "POST /faults on " + node + " failed: " + reply.error + reply.body;
  }
  std::string drop_adverts_both(const std::string& a, const std::string& b, bool drop) {
    std::string first = drop_adverts(a, b, drop), second = drop_adverts(b, a, drop);
    return first.empty() || second.empty() ? first + second : first + "; " + second;
  }
  std::string perform_one(std::size_t, const scenario::Partition& p, reports::RunRecord&) {
    return drop_adverts_both(p.a, p.b, true);
  }
  std::string perform_one(std::size_t, const scenario::Heal& h, reports::RunRecord&) {
    return drop_adverts_both(h.a, h.b, false);
  }

  // Rewrites the config of every node of `unit` (with the rules in force) and
  // asks each gateway to reload it: POST /reload, or SIGHUP when the admin API
  // has no such endpoint.
  std::string reload_unit(const scenario::Unit& unit) {
    current_.rules = active_rules_;
    std::string errors;
    for (const auto& node : unit.nodes) {
      const GatewayPlan* gateway = find_gateway(plan_, node.name);
      if (!gateway) continue;
      std::string path = options_.run_dir + "/" + gateway->config_file;
      std::ofstream(path) << gateway_config(current_, unit, node, options_.run_dir).dump(2);
      if (parts_.killed("gateway " + node.name)) {  // a restore starts it with the rewritten config
        log_ << "  " << node.name << " is down: its config is rewritten for the restore\n";
        continue;
      }
      auto reply = gateway::http_request(gateway->admin, "POST", "/reload", "", "", std::chrono::milliseconds(3000));
      if (reply.status == 200) {
        log_ << "  " << node.name << " reloaded\n";
      } else if (reply.status == 404 && parts_.signal("gateway " + node.name, SIGHUP)) {
        log_ << "  " << node.name << ": no POST /reload, sent SIGHUP\n";
      } else {
        errors += (errors.empty() ? "" : "; ") + std::string("reload of ") + node.name +
                  " failed: " + (reply.status ? std::to_string(reply.status) + " " + reply.body : reply.error);
      }
    }
    return errors;
  }

  template <class Unsupported>
  std::string perform_one(std::size_t, const Unsupported&, reports::RunRecord&) {
    return "not supported by the live runner";  // refused up front by unsupported_live()
  }

  const scenario::Scenario& scenario_;
  const LiveRunOptions& options_;
  std::ostream& log_;
  Parts parts_;
  LivePlan plan_;
  scenario::Scenario current_;  // units as reloads changed them (backend-add/-remove)
  routing::RuleSet active_rules_;
  std::vector<Event> own_events_;
  std::vector<std::string> events_files_;
};

std::vector<std::uint64_t> population_of(const scenario::Scenario& scenario) {
  std::vector<std::uint64_t> ids;
  for (const auto& member : scenario::expand_population(scenario)) ids.push_back(member.router_id);
  return ids;
}

}  // namespace

std::string unsupported_live(const scenario::Scenario&) {
  return {};  // every action, VIPs included (embedded VRRP agents), is played live now
}

LiveRunOutcome run_live(const scenario::Scenario& scenario, const LiveRunOptions& options, std::ostream& log) {
  LiveRunOutcome outcome;
  reports::RunRecord& record = outcome.record;
  record.scenario = scenario.name;
  record.engine = "live";
  record.rules_before = scenario.rules;
  record.rules_after = scenario.rules;
  record.population = population_of(scenario);
  Player player(scenario, options, log);
  outcome.error = player.start();
  if (!outcome.error.empty()) {
    player.stop();
    return outcome;
  }
  outcome.started = true;
  player.play(record);
  player.stop();
  player.collect(record);
  return outcome;
}

}  // namespace wsfo::live
