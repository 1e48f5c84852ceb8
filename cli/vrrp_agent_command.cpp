// `wsfo vrrp-agent`: the VRRP agent of one node on its own (docs/vrrp.md).
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "core/json/json_reader.hpp"
#include "core/vrrp/agent_config.hpp"
#include "gateway/vrrp_agent_standalone.hpp"

namespace wsfo::cli {

namespace {

struct VrrpAgentFlags {
  std::string config_path;
  std::string unhealthy_file;
};

// The config file, or the exit code when it cannot be used.
std::optional<vrrp::AgentConfig> load_config(const std::string& path, int& exit_code) {
  std::ifstream file(path);
  if (!file) {
    std::cerr << "wsfo vrrp-agent: cannot read " << path << "\n";
    exit_code = kIoError;
    return std::nullopt;
  }
  std::stringstream text;
  text << file.rdbuf();
  json::Problems problems;
  std::optional<vrrp::AgentConfig> config;
  if (auto document = json::parse(text.str(), problems)) config = vrrp::read_agent_config(*document, "", problems);
  if (!problems.empty()) {
    for (const auto& problem : problems.list()) std::cerr << path << ": " << json::format(problem) << "\n";
    exit_code = kInvalidInput;
    return std::nullopt;
  }
  return config;
}

}  // namespace

void add_vrrp_agent_commands(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("vrrp-agent",
                                 "Run one node's VRRP agent on its own, with an echo service on the VIPs it holds");
  cmd->footer(
      "The config is the agent's JSON section (docs/vrrp.md): node, address, advert_port, instances. Adverts are "
      "RFC 5798-layout UDP datagrams between node addresses.\n"
      "While an instance is MASTER its VIPs are bound (TCP VIP:port): each connection gets `<node>\\n`, then "
      "its bytes echoed. Releasing a VIP resets the connections accepted on it.\n"
      "Stdout: history events as JSON lines (docs/history.md): `vrrp-agent` (state started/partitioned/healed/"
      "stopped, the last with drop counters), `vip` (instance, node, vip, from, to, reason), `vip-bind-failed`, "
      "`vip-bound`, `vip-priority`.\n"
      "Signals: SIGTERM/SIGINT graceful stop (priority-0 adverts, VIPs released, exit 0); SIGUSR1 drops adverts "
      "to and from every peer (partition); SIGUSR2 heals.\n"
      "Exit: 0 after a graceful stop, 2 an invalid config or an advert socket it cannot bind, 3 an unreadable "
      "config.");
  static VrrpAgentFlags flags;
  cmd->add_option("--config", flags.config_path, "The agent config file (JSON)")->required();
  cmd->add_option("--unhealthy-file", flags.unhealthy_file,
                  "Track check: fails while this file exists (stands in for a stopped gateway)");
  cmd->callback([&exit_code] {
    auto config = load_config(flags.config_path, exit_code);
    if (!config) return;
    exit_code = gateway::run_standalone_agent({*config, flags.unhealthy_file}, std::cout, std::cerr);
  });
}

}  // namespace wsfo::cli
