// `wsfo rules diff OLD NEW`: which slot ranges move between two rule files.
#include <iostream>

#include "cli/commands.hpp"
#include "core/routing/rule_diff.hpp"
#include "core/routing/rules_json.hpp"

namespace wsfo::cli {

namespace {

int print_problems(const std::string& path, const json::Problems& problems) {
  for (const auto& p : problems.list()) std::cerr << path << ": " << json::format(p) << "\n";
  return kInvalidInput;
}

int rules_diff(const std::string& old_path, const std::string& new_path) {
  if (!readable_or_say("wsfo rules diff", old_path) || !readable_or_say("wsfo rules diff", new_path)) return kIoError;
  json::Problems old_problems, new_problems;
  auto before = routing::load_rules_file(old_path, old_problems);
  auto after = routing::load_rules_file(new_path, new_problems);
  if (!before) return print_problems(old_path, old_problems);
  if (!after) return print_problems(new_path, new_problems);
  if (before->modulus() != after->modulus()) {
    std::cerr << "cannot compare rules with different moduli: " << before->modulus() << " and " << after->modulus()
              << "\n";
    return kInvalidInput;
  }
  routing::RuleDiff diff(*before, *after);
  std::cout << "rules v" << diff.from_version() << " -> v" << diff.to_version() << "\n";
  if (diff.empty()) {
    std::cout << "no slot changes unit\n";
  } else {
    std::cout << "moved ranges (" << diff.moved_slot_count() << " slots):\n";
    for (const auto& m : diff.moved())
      std::cout << "  slots " << m.first << "-" << m.last << " move from " << m.from_unit << " to " << m.to_unit
                << "\n";
  }
  std::cout << "rule text:\n" << diff.text_diff();
  return kOk;
}

}  // namespace

void add_rules_commands(CLI::App& app, int& exit_code) {
  auto* rules = app.add_subcommand("rules", "Work with traffic rule files (slot ranges -> unit)");
  rules->require_subcommand(1);
  auto* diff = rules->add_subcommand("diff", "Show which slot ranges move between two rule files");
  static std::string old_path, new_path;
  diff->add_option("OLD", old_path, "Rule file before the cutover (JSON)")->required();
  diff->add_option("NEW", new_path, "Rule file after the cutover (JSON)")->required();
  diff->callback([&exit_code] { exit_code = rules_diff(old_path, new_path); });
}

}  // namespace wsfo::cli
