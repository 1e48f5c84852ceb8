// The `bench` parent subcommand, shared by every benchmark family.
#include "cli/commands.hpp"

namespace wsfo::cli {

CLI::App* bench_command(CLI::App& app) {
  // CLI11 refuses a second subcommand of the same name: reuse the first.
  auto found = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "bench"; });
  if (!found.empty()) return found.front();
  auto* bench = app.add_subcommand("bench", "Benchmarks that print their figures with the targets they must meet");
  bench->require_subcommand(1);
  return bench;
}

}  // namespace wsfo::cli
