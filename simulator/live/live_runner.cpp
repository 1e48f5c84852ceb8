#include "simulator/live/live_runner.hpp"

#include <algorithm>
#include <thread>

#include "core/run/timeline_player.hpp"
#include "core/scenario/client_population.hpp"
#include "gateway/admin_client.hpp"
#include "gateway/admin_token.hpp"
#include "simulator/live/live_nemesis.hpp"
#include "simulator/live/live_parts.hpp"
#include "simulator/live/live_plan.hpp"
#include "simulator/live/monotonic_clock.hpp"
#include "simulator/live/processes_file.hpp"
#include "simulator/live/run_certificates.hpp"
#include "simulator/live/run_files.hpp"

namespace wsfo::live {

namespace {

// Every part of one live run: started from the plan, driven by the timeline
// player through LiveNemesis, stopped, and their events collected.
class LiveRun {
 public:
  LiveRun(const scenario::Scenario& scenario, const LiveRunOptions& options, std::ostream& log)
      : scenario_(scenario),
        options_(options),
        log_(log),
        parts_({options.wsfo_binary, options.run_dir + "/logs", options.ready_timeout, options.stop_timeout}, log),
        plan_(make_live_plan(scenario, options.run_dir, options.verbose_groups)),
        nemesis_(scenario, plan_, options_.run_dir, parts_, events_files_, log) {}

  // "" or the first part that failed to start, and why.
  std::string start() {
    if (std::string error = prepare_run_dir(options_.run_dir); !error.empty()) return error;
    if (std::string error = make_run_certificates(scenario_, options_.run_dir); !error.empty()) return error;
    if (std::string error = write_plan_files(plan_, options_.run_dir); !error.empty()) return error;
    if (std::string error = write_admin_token(); !error.empty()) return error;
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

  void play(run::RunRecord& record) {
    MonotonicClock clock(options_.progress, std::chrono::duration_cast<std::chrono::seconds>(scenario_.duration), log_,
                         options_.stop);
    nemesis_.set_start_ns(clock.now_ns());
    gateway::HttpGatewayAdmin admin(admin_token_);
    run::TimelinePlayer player(scenario_, {nemesis_, admin, clock, gateway_refs(plan_),
                                           [this](const std::string& line) { log_ << line << "\n"; }});
    player.play(record);
  }

  std::vector<std::string> unexpected_exits() { return parts_.unexpected_exits(); }

  void stop() {
    // Before anything is asked to exit: /proc and the backends' counters are still there.
    if (std::string error = write_processes_file(options_.run_dir, scenario_, parts_.usage()); !error.empty())
      log_ << error << "\n";
    parts_.terminate("clients");
    parts_.terminate("gateway");
    parts_.terminate("backend");
    parts_.stop_all();
  }

  // Every part's events and ours, in time order; malformed lines become notes.
  // Events that clients outside the run (a browser page's reporter) dropped in events/external/ are merged too.
  void collect(run::RunRecord& record) {
    std::vector<std::string> files = events_files_;
    for (auto& file : external_events_files(options_.run_dir)) files.push_back(std::move(file));
    collect_history(nemesis_.own_events(), files, record);
  }

 private:
  // One token per run: every gateway reads it, every admin call sends it.
  std::string write_admin_token() {
    std::string error;
    auto token = gateway::generate_admin_token(error);
    if (!token) return error;
    if (error = gateway::write_token_file(plan_.admin_token_file, *token); !error.empty()) return error;
    admin_token_ = *token;
    nemesis_.set_admin_token(admin_token_);
    return {};
  }

  const scenario::Scenario& scenario_;
  const LiveRunOptions& options_;
  std::ostream& log_;
  Parts parts_;
  LivePlan plan_;
  std::vector<std::string> events_files_;
  LiveNemesis nemesis_;
  std::string admin_token_;
};

std::vector<std::uint64_t> population_of(const scenario::Scenario& scenario) {
  std::vector<std::uint64_t> ids;
  for (const auto& member : scenario::expand_population(scenario)) ids.push_back(member.router_id);
  return ids;
}

}  // namespace

run::RunRecord run_live(const scenario::Scenario& scenario, const LiveRunOptions& options, std::ostream& log) {
  run::RunRecord record;
  record.scenario = scenario.name;
  record.engine = "live";
  record.rules_before = scenario.rules;
  record.rules_after = scenario.rules;
  record.population = population_of(scenario);
  LiveRun live(scenario, options, log);
  std::string error = live.start();
  if (!error.empty()) {
    log << "a part failed to start: " << error << "\n";
    record.part_failures.push_back(error);
  }
  // A stopped run's player returns at once, recording the events it did not play.
  if (error.empty() || stop_requested(options)) live.play(record);
  note_stop(record, options);
  // Checked before the stop: from then on every part is asked to exit.
  if (error.empty()) add_part_exits(record, live.unexpected_exits(), options, log);
  live.stop();
  live.collect(record);
  note_stop(record, options);
  return record;
}

bool stop_requested(const LiveRunOptions& options) { return options.stop != nullptr && options.stop->requested(); }

void note_stop(run::RunRecord& record, const LiveRunOptions& options) {
  if (!stop_requested(options)) return;
  if (!record.interrupted) {
    run::Interruption late;  // the timeline had ended (or never started): nothing of it was cut
    late.at_ns = options.stop->at_ns();
    if (record.start_ns == 0) record.start_ns = record.end_ns = late.at_ns;
    late.planned_end_ns = record.end_ns;
    record.interrupted = std::move(late);
  }
  record.interrupted->cause = process::signal_name(options.stop->signal());
}

void add_part_exits(run::RunRecord& record, std::vector<std::string> exits, const LiveRunOptions& options,
                    std::ostream& log) {
  for (auto& failure : exits) {
    if (stop_requested(options)) {
      record.notes.push_back("ended after the stop was requested: " + failure);
      continue;
    }
    log << "a part failed: " << failure << "\n";
    record.part_failures.push_back(std::move(failure));
  }
}

}  // namespace wsfo::live
