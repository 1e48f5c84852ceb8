#include "simulator/stack/stack_runner.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/run/timeline_player.hpp"
#include "core/scenario/client_population.hpp"
#include "core/stack/address_map.hpp"
#include "core/stack/mapped_scenario.hpp"
#include "gateway/admin_client.hpp"
#include "process/interrupt_signals.hpp"
#include "simulator/live/live_parts.hpp"
#include "simulator/live/live_runner.hpp"
#include "simulator/live/monotonic_clock.hpp"
#include "simulator/live/run_certificates.hpp"
#include "simulator/live/run_files.hpp"
#include "simulator/stack/stack_nemesis.hpp"

namespace wsfo::stack {

namespace {

using process::LiveClock;

std::string missing_binary(const std::string& path, const std::string& package) {
  return ::access(path.c_str(), X_OK) == 0 ? std::string() : path + " is missing (Debian package " + package + ")";
}

// Every VIP has a MASTER in the notify events: the stack is up as a user's
// would be before traffic is moved to it.
bool vips_held(const StackPlan& plan) {
  std::set<std::string> held;
  for (const auto& node : plan.nodes) {
    std::ifstream in(node.vip_events_file);
    std::string line, error;
    while (std::getline(in, line))
      if (auto event = history::parse_event_line(line, error); event && event->kind == "vip") {
        if (event->fields.value("to", "") == "MASTER") held.insert(event->fields.value("instance", ""));
      }
  }
  for (const auto& unit : plan.mapped.units)
    for (const auto& vip : unit.vips)
      if (!held.count(vip.name)) return false;
  return true;
}

std::vector<cutover::GatewayRef> no_gateway_refs() { return {}; }

long long milliseconds_since(LiveClock::Steady::time_point began) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(LiveClock::now() - began).count();
}

class StackRun {
 public:
  StackRun(const scenario::Scenario& mapped, const live::LiveRunOptions& options, const StackBinaries& binaries,
           std::ostream& log)
      : options_(options),
        log_(log),
        parts_({binaries.wsfo, options.run_dir + "/logs", options.ready_timeout, options.stop_timeout}, log),
        plan_(make_stack_plan(mapped, options.run_dir, binaries, options.verbose_groups)) {}

  // "" or why the testbed or a part could not be started.
  std::string start() {
    if (auto error = live::prepare_run_dir(options_.run_dir, {"stack"}); !error.empty()) return error;
    const auto began = LiveClock::now();
    std::string error;
    for (const auto& stale : remove_stale_testbeds(error)) log_ << "removed the testbed of a dead run: " << stale << "\n";
    if (!error.empty()) log_ << "could not remove a stale testbed: " << error << "\n";
    testbed_ = Testbed::build(plan_.namespaces, this_process_as_owner(), error);
    if (!testbed_) return "testbed: " + error;
    log_ << "testbed up in " << testbed_->build_time().count() << " ms (" << plan_.namespaces.size()
         << " namespaces and a bridge)\n";
    // On a quick exit by signal (a second SIGINT, or a first without wsfo run's
    // graceful stop) the namespaces go before the process does.
    guard_.emplace([this](int) { testbed_->teardown(); });
    place_in_namespaces(plan_, *testbed_);
    nemesis_.emplace(plan_, *testbed_, parts_, events_files_, options_.ready_timeout, log_);

    live::LivePlan ids_only = plan_.live;  // the gateways' configs are nginx's and keepalived's here
    if (auto e = live::make_run_certificates(plan_.mapped, options_.run_dir); !e.empty()) return e;
    if (auto e = live::write_plan_files(ids_only, options_.run_dir); !e.empty()) return e;
    for (const auto& node : plan_.nodes)
      if (auto e = write_node_configs(plan_, plan_.mapped, node); !e.empty()) return e;

    log_ << "starting " << plan_.live.backends.size() << " backends, " << plan_.nodes.size()
         << " nginx + keepalived nodes, " << plan_.live.clients.size() << " client processes\n";
    for (const auto& b : plan_.live.backends)
      if (auto e = parts_.start(b.process, true); !e.empty()) return e;
    for (const auto& node : plan_.nodes) {
      if (auto e = nemesis_->start_node(node); !e.empty()) return e;
      events_files_.push_back(node.vip_events_file);
    }
    auto deadline = LiveClock::now() + std::chrono::seconds(15);
    while (!vips_held(plan_) && LiveClock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!vips_held(plan_)) return "keepalived: not every VIP has a MASTER 15 s after the start (see logs/keepalived-*.log)";
    log_ << "stack up in " << milliseconds_since(began) << " ms (testbed, backends, nginx and keepalived; every VIP held)\n";
    for (const auto& c : plan_.live.clients) {
      if (auto e = parts_.start(c.process, false); !e.empty()) return e;
      events_files_.push_back(c.events_file);
    }
    return {};
  }

  void play(run::RunRecord& record) {
    if (!nemesis_) return;  // the testbed did not come up
    live::MonotonicClock clock(options_.progress,
                               std::chrono::duration_cast<std::chrono::seconds>(plan_.mapped.duration), log_,
                               options_.stop);
    nemesis_->actions().set_start_ns(clock.now_ns());
    gateway::HttpGatewayAdmin admin;  // unused: a cutover is refused on this stack before the run
    run::TimelinePlayer player(plan_.mapped, {*nemesis_, admin, clock, no_gateway_refs(),
                                              [this](const std::string& line) { log_ << line << "\n"; }});
    player.play(record);
  }

  std::vector<std::string> unexpected_exits() { return parts_.unexpected_exits(); }

  void stop() {
    const auto began = LiveClock::now();
    parts_.terminate("clients");
    parts_.terminate("keepalived");
    parts_.terminate("nginx");
    parts_.terminate("backend");
    parts_.stop_all();
    if (testbed_) {
      if (auto error = testbed_->teardown(); !error.empty()) log_ << "testbed teardown: " << error << "\n";
      log_ << "stack down in " << milliseconds_since(began) << " ms (parts stopped, testbed removed in "
           << testbed_->teardown_time().count() << " ms)\n";
    }
    // Only now: a quick exit by signal during the teardown above waits for it to finish.
    guard_.reset();
  }

  void collect(run::RunRecord& record) {
    live::collect_history(nemesis_ ? nemesis_->actions().events() : std::vector<history::Event>{}, events_files_,
                          record);
  }

 private:
  const live::LiveRunOptions& options_;
  std::ostream& log_;
  live::Parts parts_;
  StackPlan plan_;
  std::unique_ptr<Testbed> testbed_;
  std::optional<process::UrgentTeardown> guard_;
  std::optional<StackNemesis> nemesis_;
  std::vector<std::string> events_files_;
};

}  // namespace

std::string stack_unavailable_reason(const StackBinaries& binaries) {
  for (auto error : {missing_binary(binaries.nginx, "nginx-light"), missing_binary(binaries.keepalived, "keepalived")})
    if (!error.empty()) return error;
  return testbed_unavailable_reason();
}

run::RunRecord run_on_stack(const scenario::Scenario& scenario, const live::LiveRunOptions& options,
                            const StackBinaries& binaries, std::ostream& log) {
  run::RunRecord record;
  record.scenario = scenario.name;
  record.engine = "live";
  record.stack = "nginx-keepalived";
  record.rules_before = scenario.rules;
  record.rules_after = scenario.rules;
  for (const auto& member : scenario::expand_population(scenario)) record.population.push_back(member.router_id);

  std::string error;
  auto map = AddressMap::for_scenario(scenario, error);
  if (!map) {
    record.part_failures.push_back("address map: " + error);
    return record;
  }
  log << "addresses (the scenario's, as the testbed has them):\n" << map->describe();
  std::error_code fs_error;
  std::filesystem::create_directories(options.run_dir, fs_error);
  std::ofstream(options.run_dir + "/address-map.json") << map->to_json().dump(2) << "\n";

  StackRun run(mapped_scenario(scenario, *map), options, binaries, log);
  std::string start_error = run.start();
  if (!start_error.empty()) {
    log << "the stack failed to start: " << start_error << "\n";
    record.part_failures.push_back(start_error);
  }
  // A stopped run's player returns at once, recording the events it did not play.
  if (start_error.empty() || live::stop_requested(options)) run.play(record);
  live::note_stop(record, options);
  if (start_error.empty()) live::add_part_exits(record, run.unexpected_exits(), options, log);
  run.stop();
  run.collect(record);
  live::note_stop(record, options);
  return record;
}

}  // namespace wsfo::stack
