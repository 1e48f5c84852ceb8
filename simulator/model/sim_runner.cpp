#include "simulator/model/sim_runner.hpp"

#include <algorithm>
#include <fstream>

#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

Capacity node_capacity(World& world) {
  Capacity capacity;
  capacity.clients = world.clients().size();
  capacity.connection_bytes = world.options().connection_memory_bytes;
  for (const auto& gw : world.gateways()) {
    NodeCapacity node;
    node.node = gw.node;
    node.unit = world.scenario().units[gw.unit].name;
    node.arrived_per_s = gw.capacity.arrived;
    node.handled_per_s = gw.capacity.handled;
    for (auto busy : gw.capacity.busy_ns) node.cpu_per_s.push_back(static_cast<double>(busy) / 1e9);
    for (auto n : node.arrived_per_s) node.peak_arrived_per_s = std::max(node.peak_arrived_per_s, n);
    for (auto cpu : node.cpu_per_s) node.peak_cpu = std::max(node.peak_cpu, cpu);
    node.peak_connections = gw.capacity.peak_connections;
    node.dropped_stale = gw.capacity.dropped_stale;
    node.closed_over_cap = gw.capacity.closed_over_cap;
    node.messages_relayed_per_s = gw.capacity.messages;
    node.queue_delay_max_ns_per_s = gw.capacity.delay_max_ns;
    for (std::size_t s = 0; s < gw.capacity.delay_sum_ns.size(); ++s)
      node.queue_delay_mean_ns_per_s.push_back(
          s < gw.capacity.delay_steps.size() && gw.capacity.delay_steps[s]
              ? gw.capacity.delay_sum_ns[s] / gw.capacity.delay_steps[s]
              : 0);
    for (auto n : node.messages_relayed_per_s) node.peak_messages_per_s = std::max(node.peak_messages_per_s, n);
    for (auto d : node.queue_delay_max_ns_per_s) node.peak_queue_delay_ns = std::max(node.peak_queue_delay_ns, d);
    capacity.nodes.push_back(std::move(node));
  }
  const auto& series = world.traffic().backend_series();
  for (std::size_t b = 0; b < world.backends().size(); ++b) {
    BackendCapacity backend;
    backend.backend = world.backends()[b].name;
    backend.unit = world.scenario().units[world.backends()[b].unit].name;
    for (auto busy : series[b].busy_ns) backend.cpu_per_s.push_back(static_cast<double>(busy) / 1e9);
    backend.messages_sent_per_s = series[b].messages;
    for (auto cpu : backend.cpu_per_s) backend.peak_cpu = std::max(backend.peak_cpu, cpu);
    for (auto n : backend.messages_sent_per_s) backend.peak_messages_per_s = std::max(backend.peak_messages_per_s, n);
    capacity.backends.push_back(std::move(backend));
  }
  const auto& links = world.traffic().links();
  for (std::size_t l = 0; l < links.size(); ++l) {
    std::uint64_t peak = 0;
    for (auto bytes : world.traffic().link_series()[l].bytes) peak = std::max(peak, bytes);
    capacity.links.push_back({links[l]->get_name(), static_cast<double>(peak) / links[l]->get_bandwidth()});
  }
  return capacity;
}

}  // namespace

SimOutcome run_simulation(const scenario::Scenario& scenario, const SimOptions& options) {
  SimOutcome outcome;
  World world(scenario, options);
  outcome.error = world.prepare();
  if (!outcome.error.empty()) return outcome;
  world.run();

  reports::RunRecord record = std::move(world.record_base());
  record.scenario = scenario.name;
  record.engine = "simulate";
  record.rules_before = scenario.rules;  // the timeline player set the rest: windows, times, rules after

  outcome.log = world.log();
  std::stable_sort(outcome.log.begin(), outcome.log.end(),
                   [](const LogRecord& a, const LogRecord& b) { return a.t_ns < b.t_ns; });
  outcome.urls = std::make_shared<StringTable>(world.urls());
  outcome.texts = std::make_shared<StringTable>(world.texts());
  outcome.names = std::make_shared<LogNames>(world.log_names());
  outcome.names->urls = outcome.urls.get();
  outcome.names->texts = outcome.texts.get();
  outcome.agent_events = std::make_shared<std::vector<history::Event>>(world.agent_events());
  outcome.names->agent_events = outcome.agent_events.get();

  const bool full = world.clients().size() <= kFullRecordClients;
  record.history.reserve(outcome.log.size());
  for (const auto& r : outcome.log) {
    if (full) {
      record.history.push_back(to_event(r, *outcome.names));
    } else if (auto slim = to_slim_event(r, *outcome.names)) {
      record.history.push_back(std::move(*slim));
    }
  }
  if (!full)
    record.notes.push_back("history in memory kept only the fields the checks read (" +
                           std::to_string(world.clients().size()) + " clients); history.jsonl has every field");
  outcome.capacity = node_capacity(world);
  outcome.record = std::move(record);
  return outcome;
}

std::string write_history_file(const SimOutcome& outcome, const std::string& dir) {
  std::string path = dir + "/history.jsonl";
  std::ofstream out(path, std::ios::trunc);
  if (!out) return "cannot write '" + path + "'";
  write_history(outcome.log, *outcome.names, out);
  return out ? std::string() : "failed writing '" + path + "'";
}

}  // namespace wsfo::model
