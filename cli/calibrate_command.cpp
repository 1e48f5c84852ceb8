// `wsfo calibrate`: measure the real gateway's handshake and per-message CPU
// cost and write them as a scenario `simulation` block (docs/simulate.md).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/self_path.hpp"
#include "core/json/json_reader.hpp"
#include "simulator/bench/calibration.hpp"

namespace wsfo::cli {

namespace {

struct CalibrateFlags {
  std::string out;         // empty: stdout
  std::string links_from;  // a scenario whose `simulation` links are kept
  std::string duration = "3s";
  std::size_t backends = 4;
  std::size_t concurrency = 32;
  std::size_t connections = 200;
  std::size_t idle = 2000;
};

int calibrate(const CalibrateFlags& flags) {
  bench::CalibrationOptions options;
  options.wsfo_exe = self_path();
  options.backends = flags.backends;
  options.session_concurrency = flags.concurrency;
  options.echo_connections = flags.connections;
  options.idle_connections = flags.idle;
  auto duration = json::parse_duration(flags.duration);
  if (!duration || duration->count() <= 0)
    return std::cerr << "wsfo calibrate: --duration: '" << flags.duration << "' is not a positive duration\n", kUsage;
  options.duration = *duration;

  json::Json links;
  if (!flags.links_from.empty()) {
    std::ifstream in(flags.links_from);
    if (!in) return std::cerr << "wsfo calibrate: cannot read '" << flags.links_from << "'\n", kIoError;
    try {
      json::Json scenario = json::Json::parse(in);
      if (scenario.contains("simulation")) links = scenario["simulation"];
    } catch (const std::exception& e) {
      std::cerr << "wsfo calibrate: " << flags.links_from << ": not JSON: " << e.what() << "\n";
      return kCheckFailed;
    }
  }

  bench::Calibration result;
  try {
    result = bench::calibrate(options, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "wsfo calibrate: " << e.what() << "\n";
    return kIoError;
  }
  std::cerr << "handshake " << result.handshake_cpu_us << " us, message " << result.message_cpu_us
            << " us of gateway CPU; " << result.connection_bytes << " bytes per idle connection"
            << " (use --connection-memory with wsfo simulate)\n";
  if (!result.problems.empty()) std::cerr << "wsfo calibrate: problems: " << result.problems << "\n";
  if (result.sessions == 0 || result.messages == 0) {
    std::cerr << "wsfo calibrate: no handshake or no message was measured\n";
    return kCheckFailed;
  }
  std::string text = bench::simulation_block(result, links.is_null() ? nullptr : &links).dump(2) + "\n";
  if (flags.out.empty()) {
    std::cout << text;
  } else {
    std::ofstream out(flags.out);
    if (!(out << text)) return std::cerr << "wsfo calibrate: cannot write '" << flags.out << "'\n", kIoError;
    std::cerr << "wrote " << flags.out << "\n";
  }
  return result.problems.empty() ? kOk : kCheckFailed;
}

}  // namespace

void add_calibrate_commands(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("calibrate", "Measure the gateway's CPU per handshake and per message for simulate")
                  ->footer(
                      "Starts `wsfo backend` children and one `wsfo gateway` on 127.0.0.1, runs connect/upgrade/close "
                      "loops and echo traffic through it, divides the gateway's CPU time by the handshakes and the "
                      "relayed messages, and writes {\"simulation\": {...}} for a scenario file.\nExit: 0 measured, 1 "
                      "a measurement was incomplete, 2 usage, 3 a process could not start or a file not be written.");
  static CalibrateFlags flags;
  cmd->add_option("--out", flags.out, "Write the block here (default: stdout)");
  cmd->add_option("--links-from", flags.links_from, "Keep the link figures of this scenario's simulation block");
  cmd->add_option("--duration", flags.duration, "Length of each measurement")->capture_default_str();
  cmd->add_option("--backends", flags.backends, "Backend processes")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--concurrency", flags.concurrency, "Concurrent connect/close loops")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--connections", flags.connections, "Echo connections")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--idle", flags.idle, "Idle connections for the memory figure")->capture_default_str();
  cmd->callback([&exit_code] { exit_code = calibrate(flags); });
}

}  // namespace wsfo::cli
