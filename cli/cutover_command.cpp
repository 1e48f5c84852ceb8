// `wsfo cutover`: the operator's cutover (切流) against running gateways, in
// the MSHA console's steps: preview, pre-checks (retry, --skip), confirm,
// execute. The same workflow `wsfo run` plays from a scenario.
#include <iostream>

#include "cli/commands.hpp"
#include "core/routing/rules_json.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "gateway/admin_client.hpp"
#include "gateway/admin_token.hpp"

namespace wsfo::cli {

namespace {

struct CutoverFlags {
  std::vector<std::string> gateways;  // node=unit@ip:port
  std::string scenario;
  std::string rules;
  std::vector<std::string> skip;
  bool no_fence = false;
  std::string catch_up = "0s";
  std::string skew = "0s";
  std::string step_deadline;
  int attempts = 3;
  std::string token;
  std::string token_file;
  bool yes = false;
  bool plan_only = false;
};

std::optional<cutover::GatewayRef> parse_gateway(const std::string& text) {
  auto eq = text.find('='), at = text.find('@');
  if (eq == std::string::npos || at == std::string::npos || at < eq || eq == 0 || at == eq + 1 || at + 1 == text.size())
    return std::nullopt;
  return cutover::GatewayRef{text.substr(0, eq), text.substr(eq + 1, at - eq - 1), text.substr(at + 1)};
}

// Gateways named on the command line, or every node of the scenario.
std::optional<std::vector<cutover::GatewayRef>> gateways_of(const CutoverFlags& flags, int& code) {
  std::vector<cutover::GatewayRef> refs;
  for (const auto& text : flags.gateways) {
    auto ref = parse_gateway(text);
    if (!ref) {
      std::cerr << "--gateway: expected NODE=UNIT@IP:PORT, got '" << text << "'\n";
      code = kUsage;
      return std::nullopt;
    }
    refs.push_back(*ref);
  }
  if (!flags.scenario.empty()) {
    auto loaded = scenario::load_scenario_file(flags.scenario);
    for (const auto& p : loaded.problems.list()) std::cerr << flags.scenario << ": " << json::format(p) << "\n";
    if (!loaded.scenario) {
      code = invalid_input_exit(loaded.unreadable);
      return std::nullopt;
    }
    for (const auto& unit : loaded.scenario->units)
      for (const auto& node : unit.nodes)
        refs.push_back({node.name, unit.name, node.address + ":" + std::to_string(node.admin_port)});
  }
  if (refs.empty()) {
    std::cerr << "name the gateways with --gateway NODE=UNIT@IP:PORT (repeatable) or --scenario FILE\n";
    code = kUsage;
    return std::nullopt;
  }
  return refs;
}

// The token the flags name: --token, or the first line of --token-file.
std::optional<std::string> admin_token(const CutoverFlags& flags, int& code) {
  if (flags.token_file.empty()) return flags.token;
  std::string error, warning;
  auto token = gateway::read_token_file(flags.token_file, error, warning);
  if (!warning.empty()) std::cerr << "warning: " << warning << "\n";
  if (!token) {
    std::cerr << "--token-file: " << error << "\n";
    code = kIoError;
  }
  return token;
}

// The rules every gateway is on now: read from the first reachable one.
std::optional<routing::RuleSet> current_rules(const std::vector<cutover::GatewayRef>& refs, const std::string& token) {
  for (const auto& ref : refs) {
    auto reply = gateway::http_request(ref.admin, "GET", "/rules", "", token, std::chrono::milliseconds(3000));
    if (reply.status == 401)
      std::cerr << ref.node << " (" << ref.admin << ") answered 401: "
                << (token.empty() ? "its admin API needs a token: pass --token-file (a gateway started without one "
                                    "wrote it beside its state file or config)"
                                  : "the token is not this gateway's")
                << "\n";
    auto document = json::Json::parse(reply.body, nullptr, false);
    if (reply.status != 200 || !document.is_object() || !document.contains("active")) continue;
    json::Problems problems;
    if (auto rules = routing::read_rules(document["active"], "/active", problems, {})) return rules;
  }
  return std::nullopt;
}

void print_plan(const cutover::CutoverResult& plan) {
  std::cout << "cutover v" << plan.from_version << " -> v" << plan.to_version << "\n";
  for (const auto& moved : plan.moved) std::cout << "  moves " << routing::describe(moved) << "\n";
  std::cout << "rule text:\n" << plan.rule_text_diff;
  for (const auto& preview : plan.previews) {
    std::cout << "  " << preview.node << " will close";
    for (std::size_t i = 0; i < preview.closes_per_moved_range.size(); ++i)
      std::cout << (i ? "," : "") << " " << preview.closes_per_moved_range[i];
    std::cout << " live connection(s)\n";
  }
  for (const auto& check : plan.checks)
    std::cout << "  check " << check.name << ": " << cutover::to_string(check.status)
              << (check.attempts > 1 ? " after " + std::to_string(check.attempts) + " attempts" : "")
              << (check.detail.empty() ? "" : " (" + check.detail + ")") << "\n";
}

int cutover_command(const CutoverFlags& flags) {
  int code = kOk;
  auto refs = gateways_of(flags, code);
  if (!refs) return code;
  if (!readable_or_say("wsfo cutover: --rules", flags.rules)) return kIoError;
  json::Problems problems;
  auto target = routing::load_rules_file(flags.rules, problems);
  for (const auto& p : problems.list()) std::cerr << flags.rules << ": " << json::format(p) << "\n";
  if (!target) return kInvalidInput;
  cutover::Options options;
  options.fence = !flags.no_fence;
  auto catch_up = json::parse_duration(flags.catch_up), skew = json::parse_duration(flags.skew);
  if (!catch_up || !skew) {
    std::cerr << (catch_up ? "--skew" : "--catch-up") << ": expected a duration such as \"1500ms\" or \"3s\"\n";
    return kUsage;
  }
  options.catch_up = *catch_up;
  options.skew = *skew;
  if (!flags.step_deadline.empty()) {
    auto deadline = json::parse_duration(flags.step_deadline);
    if (!deadline || deadline->count() <= 0) {
      std::cerr << "--step-deadline: expected a duration above 0 such as \"500ms\", got '" << flags.step_deadline
                << "'\n";
      return kUsage;
    }
    options.step_deadline = *deadline;
  }
  options.check_attempts = flags.attempts;
  for (const auto& name : flags.skip) {
    const auto& names = cutover::precheck_names();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::cerr << "--skip: unknown pre-check '" << name << "'\n";
      return kUsage;
    }
    options.skip.insert(name);
  }
  auto token = admin_token(flags, code);
  if (!token) return code;
  auto baseline = current_rules(*refs, *token);
  if (!baseline) {
    std::cerr << "no gateway answered GET /rules: cannot learn the current rules\n";
    return kUnreachable;
  }
  gateway::HttpGatewayAdmin admin(*token);
  cutover::CutoverWorkflow workflow(*refs, *baseline, *target, options, admin);
  cutover::CutoverResult plan = workflow.plan();
  print_plan(plan);
  if (plan.outcome == cutover::Outcome::aborted) {
    std::cout << "aborted: " << plan.reason << "\n";
    return kCheckFailed;
  }
  if (flags.plan_only) return kOk;
  if (!flags.yes) {
    std::cout << "type 'yes' to execute: " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || answer != "yes") {
      std::cout << "not confirmed; nothing changed\n";
      return kCheckFailed;
    }
  }
  cutover::CutoverResult result = workflow.execute();
  for (const auto& step : result.steps)
    if (step.step != "preview") std::cout << "  " << step.step << " " << step.node << ": " << step.message << "\n";
  for (const auto& node : result.untouched)
    std::cout << "  " << node << " refused every rollout call: it never left v" << result.from_version << "\n";
  if (result.outcome == cutover::Outcome::inconsistent) {
    std::cout << "outcome: inconsistent: the rollback could not put back";
    for (const auto& node : result.unreachable) std::cout << " " << node;
    std::cout << " (" << result.reason << ")\n";
  } else {
    std::cout << "outcome: " << cutover::to_string(result.outcome) << ", every gateway on v" << result.final_version
              << (result.reason.empty() ? "" : " (" + result.reason + ")") << "\n";
  }
  return result.outcome == cutover::Outcome::committed ? kOk : kCheckFailed;
}

}  // namespace

void add_cutover_commands(CLI::App& app, int& exit_code) {
  static CutoverFlags flags;
  auto* cmd = app.add_subcommand("cutover",
                                 "Move slot ranges between units on running gateways (preview, checks, "
                                 "confirm, execute)");
  cmd->footer(
      "Pre-checks: rules-valid, gateways-reachable, same-version, target-serving, capacity-headroom.\n"
      "Exit: 0 committed (or planned with --plan-only), 1 aborted, rolled back or not confirmed, "
      "2 usage, an invalid rule or scenario file, or no gateway answered, 3 a file unreadable.");
  cmd->add_option("--rules", flags.rules, "Rule file of the target version (current version + 1)")->required();
  cmd->add_option("--gateway", flags.gateways, "NODE=UNIT@IP:PORT of a gateway's admin API (repeatable)");
  cmd->add_option("--scenario", flags.scenario, "Take every gateway of this scenario file");
  cmd->add_option("--skip", flags.skip, "Skip this pre-check (an emergency; the skip is reported)");
  cmd->add_flag("--no-fence", flags.no_fence, "Apply unit by unit without the prepare/commit fence (demonstration)");
  cmd->add_option("--catch-up", flags.catch_up, "Wait between prepare and commit (data replication)")
      ->capture_default_str();
  cmd->add_option("--skew", flags.skew, "Without the fence: delay between units")->capture_default_str();
  cmd->add_option("--step-deadline", flags.step_deadline,
                  "A prepare or commit acknowledged later than this fails the rollout, which rolls back");
  cmd->add_option("--attempts", flags.attempts, "Attempts per pre-check")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  auto* token = cmd->add_option("--token", flags.token,
                                "Bearer token of the admin APIs (visible in `ps` to every user: prefer --token-file)");
  auto* token_file = cmd->add_option("--token-file", flags.token_file,
                                     "File whose first line is the admin APIs' bearer token (the file a gateway "
                                     "started without a token wrote)");
  token->excludes(token_file);
  cmd->add_flag("--yes", flags.yes, "Execute without asking for confirmation");
  cmd->add_flag("--plan-only", flags.plan_only, "Preview and pre-checks only");
  cmd->callback([&exit_code, token] {
    if (token->count() > 0)
      std::cerr << "wsfo cutover: warning: --token shows the admin token to every user of this machine (`ps`); "
                   "use --token-file\n";
    exit_code = cutover_command(flags);
  });
}

}  // namespace wsfo::cli
