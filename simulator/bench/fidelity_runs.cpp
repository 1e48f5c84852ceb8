#include "simulator/bench/fidelity_runs.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/checks/run_figures.hpp"
#include "core/history/event.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "process/child_process.hpp"

namespace wsfo::bench {

namespace {

constexpr double kNsPerMs = 1e6;
constexpr double kNsPerS = 1e9;

bool has_fault(const scenario::Scenario& s) {
  return std::any_of(s.timeline.begin(), s.timeline.end(), [](const scenario::TimelineEvent& e) {
    return checks::is_fault_action(scenario::action_name(e.action));
  });
}

std::optional<nlohmann::json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  auto document = nlohmann::json::parse(in, nullptr, false);
  if (document.is_discarded()) return std::nullopt;
  return document;
}

double duration_s(const FidelityPoint& point) { return std::chrono::duration<double>(point.scenario.duration).count(); }

// Sum of a per-second series, or a rate already (a number): CPU seconds or messages, per second of the run.
double per_second(const nlohmann::json& value, double run_s) {
  if (value.is_number()) return value.get<double>();
  double total = 0;
  if (value.is_array())
    for (const auto& v : value)
      if (v.is_number()) total += v.get<double>();
  return run_s > 0 ? total / run_s : 0;
}

// Live: the gateways' CPU seconds and the messages the backends sent and received (every one through a gateway).
std::string add_live_counters(const FidelityPoint& point, const std::string& run_dir, RunSample& sample) {
  auto document = read_json(run_dir + "/processes.json");
  if (!document) return "no readable " + run_dir + "/processes.json";
  double run_s = document->value("duration_s", duration_s(point));
  double cpu_s = 0;
  for (const auto& p : document->value("processes", nlohmann::json::array()))
    if (p.value("role", "") == "gateway") cpu_s += p.value("cpu_s", 0.0);
  double messages = 0;
  for (const auto& b : document->value("backends", nlohmann::json::array()))
    messages += b.value("messages_sent", 0.0) + b.value("messages_received", 0.0);
  if (run_s > 0) {
    sample.figures["gateway_cpu"] = cpu_s / run_s;
    if (!document->value("backends", nlohmann::json::array()).empty())
      sample.figures["messages_relayed_per_s"] = messages / run_s;
  }
  return {};
}

// Simulated: capacity.json per node; a figure the model does not report stays absent.
std::string add_simulated_counters(const FidelityPoint& point, const std::string& run_dir, RunSample& sample) {
  auto document = read_json(run_dir + "/capacity.json");
  if (!document) return "no readable " + run_dir + "/capacity.json";
  double run_s = duration_s(point);
  bool cpu_seen = false, messages_seen = false;
  double cpu = 0, messages = 0;
  for (const auto& node : document->value("nodes", nlohmann::json::array())) {
    if (node.contains("cpu_per_s")) cpu_seen = true, cpu += per_second(node["cpu_per_s"], run_s);
    if (node.contains("messages_relayed_per_s"))
      messages_seen = true, messages += per_second(node["messages_relayed_per_s"], run_s);
  }
  if (cpu_seen) sample.figures["gateway_cpu"] = cpu;
  if (messages_seen) sample.figures["messages_relayed_per_s"] = messages;
  return {};
}

}  // namespace

std::vector<FidelityPoint> load_points(const std::string& dir, std::string& error) {
  std::vector<FidelityPoint> points;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  if (ec) {
    error = "cannot read " + dir + ": " + ec.message();
    return {};
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto loaded = scenario::load_scenario_file(file.string());
    if (!loaded.scenario) {
      error = file.string() + " is not a valid scenario" +
              (loaded.problems.list().empty() ? std::string() : ": " + json::format(loaded.problems.list().front()));
      return {};
    }
    FidelityPoint point{file.stem().string(), file.string(), *loaded.scenario, false};
    point.fault = has_fault(point.scenario);
    points.push_back(std::move(point));
  }
  if (points.empty()) error = "no scenario files (*.json) in " + dir;
  return points;
}

std::vector<std::string> figure_names(const FidelityPoint& point) {
  if (point.fault)
    return {"disconnected", "back_99_s", "storm_handshake_p99_ms", "storm_failed_attempts", "storm_handshake_timeouts"};
  return {"messages_relayed_per_s", "gateway_cpu"};
}

RunResult read_run_dir(const FidelityPoint& point, const std::string& run_dir, bool live) {
  std::ifstream in(run_dir + "/history.jsonl");
  if (!in) return {std::nullopt, "no " + run_dir + "/history.jsonl"};
  std::vector<history::Event> events;
  std::string line, error;
  while (std::getline(in, line))
    if (auto event = history::parse_event_line(line, error)) events.push_back(std::move(*event));
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.t_ns < b.t_ns; });
  checks::RunFigures figures = checks::compute_run_figures(events);
  RunSample sample;
  sample.saturated = figures.saturated();
  if (point.fault) {
    if (!figures.fault) return {std::nullopt, run_dir + ": the history has no kill or cutover action"};
    const auto& f = *figures.fault;
    sample.figures["disconnected"] = static_cast<double>(f.disconnected);
    if (f.back_99_ns) sample.figures["back_99_s"] = static_cast<double>(*f.back_99_ns) / kNsPerS;
    if (f.handshake_p99_ns)
      sample.figures["storm_handshake_p99_ms"] = static_cast<double>(*f.handshake_p99_ns) / kNsPerMs;
    sample.figures["storm_failed_attempts"] = static_cast<double>(f.failed_attempts);
    sample.figures["storm_handshake_timeouts"] = static_cast<double>(f.handshake_timeouts);
    return {sample, {}};
  }
  std::string counters_error =
      live ? add_live_counters(point, run_dir, sample) : add_simulated_counters(point, run_dir, sample);
  if (!counters_error.empty()) return {std::nullopt, counters_error};
  return {sample, {}};
}

RunResult play(const std::string& wsfo_binary, const FidelityPoint& point, const std::string& run_dir, bool live) {
  std::string log_file = run_dir + ".log";
  std::error_code ignored;
  std::filesystem::remove(log_file, ignored);
  std::filesystem::create_directories(std::filesystem::path(run_dir).parent_path(), ignored);
  process::ChildOptions options;
  options.log_file = log_file;
  options.stdout_to_log = true;
  const char* command = live ? "run" : "simulate";
  try {
    process::ChildProcess child({wsfo_binary, command, point.scenario_file, "--report-dir", run_dir}, options);
    auto status = child.wait_for_exit(std::chrono::hours(1));
    if (!status) return {std::nullopt, std::string("wsfo ") + command + " did not end within an hour"};
    if (!status->exited || status->code > 1)
      return {std::nullopt, std::string("wsfo ") + command + " " + point.name + ": " + status->describe() + " (see " +
                                log_file + ")"};
  } catch (const std::exception& e) {
    return {std::nullopt, std::string("wsfo ") + command + ": " + e.what()};
  }
  return read_run_dir(point, run_dir, live);
}

}  // namespace wsfo::bench
