// `wsfo crosscheck SCENARIO`: play one scenario on two stacks (wsfo's own
// gateway and VRRP emulation, real nginx + keepalived), compare them event by
// event and sort every routerId whose fate differs into a named mechanism, so
// that a difference between the emulation and reality is either understood or
// fails the command.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/crosscheck_text.hpp"
#include "cli/live_run.hpp"
#include "cli/run_output.hpp"
#include "cli/self_path.hpp"
#include "core/compare/comparison_json.hpp"
#include "core/compare/run_comparison.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "process/progress_line.hpp"
#include "core/stack/stack_support.hpp"
#include "reports/report.hpp"
#include "reports/run_dir.hpp"
#include "simulator/stack/stack_runner.hpp"

namespace wsfo::cli {

namespace {

constexpr const char* kCommand = "wsfo crosscheck";
// A stack cannot run here and --skip-unavailable asked to say so apart from
// other failures (ctest's SKIP_RETURN_CODE).

struct CrosscheckRequest {
  std::string scenario;
  std::string stacks = "wsfo,nginx-keepalived";
  std::string report_dir;
  bool skip_unavailable = false;
  bool expect_pass = false;  // every run's expectations must hold too
};

struct Side {
  std::string label;  // the stack's name; a stack compared with itself gets "-2" on its second run
  scenario::Scenario scenario;
  std::string run_dir;
  reports::Report report;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

int unavailable_exit(const CrosscheckRequest& request, const std::string& stack, const std::string& why) {
  return stack_unavailable_exit(kCommand, stack, why, request.skip_unavailable);
}

// Each stack's copy of the scenario, refused up front when a stack cannot play it.
int prepare_sides(const CrosscheckRequest& request, const scenario::Scenario& loaded, const std::string& dir,
                  std::vector<Side>& sides) {
  std::vector<std::string> names = split_list(request.stacks);
  if (names.size() != 2) {
    std::cerr << kCommand << ": --stacks takes two stacks separated by a comma, e.g. wsfo,nginx-keepalived; got \""
              << request.stacks << "\"\n";
    return kUsage;
  }
  for (const std::string& name : names) {
    auto kind = scenario::parse_stack_kind(name);
    if (!kind) {
      std::cerr << kCommand << ": unknown stack \"" << name << "\" (known: " << known_stack_kinds() << ")\n";
      return kUsage;
    }
    Side side;
    side.label = sides.empty() || sides[0].label != name ? name : name + "-2";
    side.scenario = loaded;
    if (auto note = stack::switch_stack(side.scenario, *kind); !note.empty())
      std::cerr << kCommand << ": note: " << note << "\n";
    if (auto refusal = stack::first_unrealisable(side.scenario, *kind); !refusal.empty()) {
      std::cerr << kCommand << ": " << request.scenario << ": " << refusal << "\n";
      return kUnrealisable;
    }
    if (*kind == scenario::StackKind::nginx_keepalived) {  // before anything plays: a run takes a minute
      stack::StackBinaries binaries;
      binaries.wsfo = self_path();
      if (auto why = stack::stack_unavailable_reason(binaries); !why.empty())
        return unavailable_exit(request, name, why);
    }
    side.run_dir = (std::filesystem::path(dir) / side.label).string();
    sides.push_back(std::move(side));
  }
  return kOk;
}

// Plays one side and writes its run directory as `wsfo run` does, plus its text report.
int play_side(const CrosscheckRequest& request, Side& side) {
  std::cout << "\n== playing " << side.scenario.name << " on the " << side.label << " stack ==\n" << std::flush;
  live::LiveRunOptions options;
  options.wsfo_binary = self_path();
  options.run_dir = side.run_dir;
  options.progress = process::stdout_is_terminal();
  std::string unavailable;
  run::RunRecord record = play_on_its_stack(side.scenario, options, stack::StackBinaries{}, unavailable);
  if (!unavailable.empty()) return unavailable_exit(request, side.label, unavailable);
  side.report = reports::build_report(std::move(record));
  std::string error = reports::write_report_dir(side.report, side.run_dir);
  if (error.empty()) error = reports::keep_run_inputs(side.report, side.run_dir, request.scenario);
  if (error.empty()) {
    std::ofstream text(std::filesystem::path(side.run_dir) / "report.txt");
    reports::write_text(side.report, text);
    if (!text) error = "cannot write " + side.run_dir + "/report.txt";
  }
  if (!error.empty()) {
    std::cerr << kCommand << ": " << error << "\n";
    return kIoError;
  }
  std::size_t held = 0;
  for (const auto& v : side.report.analysis.verdicts) held += v.status == checks::Status::pass;
  // The run's own verdict is information here: the crosscheck compares behaviour, not expectations.
  std::cout << side.label << ": " << side.report.verdict() << " (" << held << " of "
            << side.report.analysis.verdicts.size() << " expectations held); report: " << side.run_dir
            << "/report.txt\n";
  if (!side.report.judgeable()) {
    for (const auto& failure : side.report.run.part_failures)
      std::cerr << kCommand << ": " << side.label << ": part failed: " << failure << "\n";
    std::cerr << kCommand << ": the run on " << side.label << " could not be judged, so it cannot be compared\n";
    return kNotJudged;
  }
  return kOk;
}

int run_crosscheck(const CrosscheckRequest& request) {
  auto loaded = scenario::load_scenario_file(request.scenario);
  for (const auto& p : loaded.problems.list()) std::cerr << request.scenario << ": " << json::format(p) << "\n";
  if (loaded.unreadable) return kIoError;
  if (!loaded.scenario) {
    std::cerr << kCommand << ": " << request.scenario << " is not a valid scenario (problems above)\n";
    return kInvalidInput;
  }
  const std::string dir =
      std::filesystem::absolute(request.report_dir.empty() ? default_report_dir("crosscheck-" + loaded.scenario->name)
                                                           : request.report_dir)
          .string();
  std::vector<Side> sides;
  if (int status = prepare_sides(request, *loaded.scenario, dir, sides); status != kOk) return status;
  for (Side& side : sides)
    if (int status = play_side(request, side); status != kOk) return status;

  compare::Comparison comparison = compare::compare_runs(run_view(sides[0].report, sides[0].label), run_view(sides[1].report, sides[1].label));
  if (!comparison.problems.empty()) {
    for (const auto& problem : comparison.problems) std::cerr << kCommand << ": " << problem << "\n";
    return kNotJudged;
  }
  write_comparison_text(comparison, std::cout);
  nlohmann::json document = compare::to_json(comparison);
  document["scenario"] = loaded.scenario->name;
  for (const Side& side : sides)
    document["runs"][side.label] = {{"verdict", side.report.verdict()}, {"run_dir", side.run_dir}};
  const std::string json_path = (std::filesystem::path(dir) / "crosscheck.json").string();
  std::ofstream json_file(json_path);
  json_file << document.dump(2) << "\n";
  if (!json_file) {
    std::cerr << kCommand << ": cannot write " << json_path << "\n";
    return kIoError;
  }
  std::cout << "\ncrosscheck: " << json_path << "\n";
  if (std::size_t n = comparison.unexplained(); n > 0) {
    std::cout << "RESULT: " << n << " unexplained difference" << (n == 1 ? "" : "s") << "\n";
    return kCheckFailed;
  }
  std::cout << "RESULT: every difference explained (" << comparison.differences.size() << " routerIds, "
            << comparison.takeover_differences.size() << " takeover times)\n";
  if (request.expect_pass)
    for (const Side& side : sides)
      if (!side.report.passed()) {
        std::cout << "RESULT: the run on " << side.label << " did not hold every expectation (" << side.run_dir
                  << "/report.txt)\n";
        return kCheckFailed;
      }
  return kOk;
}

}  // namespace

void add_crosscheck_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("crosscheck", "Play one scenario on two stacks and explain every difference between them")
          ->footer(
              "Plays the scenario on each stack in turn (DIR/<stack>/ gets each run's report directory), then "
              "prints per timeline event, side by side: disconnected routerIds, VIP takeover times, p99 reconnect "
              "time and clients left on dead connections. Every routerId whose fate differs is sorted into a named "
              "mechanism (docs/crosscheck.md); DIR/crosscheck.json has them all. Each run's own verdict is printed "
              "but does not decide the exit.\nExit: 0 every difference explained, 1 an unexplained difference (each "
              "listed with what each stack recorded), 2 bad usage, an unknown stack, a scenario a stack refuses, a "
              "stack that cannot run here or a run that could not be judged (the message names the cause), 3 a "
              "file could not be read or written, 77 with --skip-unavailable: a stack cannot run here.");
  static CrosscheckRequest request;
  cmd->add_option("SCENARIO", request.scenario, "Scenario file (JSON)")->required();
  cmd->add_option("--stacks", request.stacks, "The two stacks to compare, comma-separated")
      ->default_val("wsfo,nginx-keepalived");
  cmd->add_option("--report-dir", request.report_dir,
                  "Where the runs and crosscheck.json go (default: reports/out/crosscheck-<scenario>-<time>)");
  cmd->add_flag("--expect-pass", request.expect_pass,
                "Also exit 1 when a run's expectations do not all hold (the scenario must pass on both stacks)");
  cmd->add_flag("--skip-unavailable", request.skip_unavailable,
                "When a stack cannot run here (no root, no network namespaces, a missing binary), exit 77 rather "
                "than 2, unless the environment variable CI is \"true\" (for test runners that skip on 77)");
  cmd->callback([&exit_code] { exit_code = run_crosscheck(request); });
}

}  // namespace wsfo::cli
