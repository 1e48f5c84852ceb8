// `wsfo calibrate`: measure what the model charges on real processes (the
// gateway's CPU per handshake and per relayed message by size, a backend's
// CPU per upgrade, broadcast and message; with --testbed the client fleet's
// CPU per attempt and per message received) and write it as a scenario
// `simulation` block (docs/calibrate.md).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/self_path.hpp"
#include "core/json/json_reader.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "simulator/bench/calibration.hpp"
#include "simulator/bench/json_splice.hpp"

namespace wsfo::cli {

namespace {

using OrderedJson = nlohmann::ordered_json;

struct CalibrateFlags {
  std::string out;         // empty: stdout (unless --into)
  std::string links_from;  // a scenario whose `simulation` links are kept
  std::string into;        // a scenario whose `simulation` block is rewritten in place
  std::string duration = "3s";
  std::size_t backends = 4;
  std::size_t concurrency = 32;
  std::size_t connections = 200;
  std::size_t idle = 2000;
  std::string sizes = "64,4096,16384";
  std::string fanout = "0,100,1000";
  std::string interval = "10ms";
  bool testbed = false;
  std::size_t clients = 200;
  std::string client_fanout = "100,1000";
  std::string client_interval = "50ms";
};

// "64,4096" -> {64, 4096}: at least two different whole numbers in [low, high].
std::optional<std::vector<std::size_t>> number_list(const std::string& flag, const std::string& text, std::size_t low,
                                                    std::size_t high) {
  std::vector<std::size_t> values;
  std::stringstream items(text);
  std::string item;
  auto fail = [&](const std::string& why) {
    std::cerr << "wsfo calibrate: " << flag << ": " << why << "\n";
    return std::nullopt;
  };
  while (std::getline(items, item, ',')) {
    bool digits = !item.empty() && item.size() <= 9 && item.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoull(item) < low || std::stoull(item) > high)
      return fail("'" + item + "' is not a whole number from " + std::to_string(low) + " to " + std::to_string(high) +
                  " (in '" + text + "')");
    values.push_back(std::stoull(item));
  }
  if (text.empty() || text.back() == ',') return fail("'" + text + "' has an empty item");
  if (std::set<std::size_t>(values.begin(), values.end()).size() < 2)
    return fail("'" + text + "' needs at least two different values (a line is fitted through them)");
  return values;
}

std::optional<std::string> file_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The links of a file's `simulation` block; `error` gets the one-line reason when there are none.
std::optional<OrderedJson> links_of(const std::string& path, std::string& error) {
  auto text = file_text(path);
  if (!text) return error = "cannot read '" + path + "'", std::nullopt;
  auto document = OrderedJson::parse(*text, nullptr, false);
  if (document.is_discarded()) return error = path + ": not JSON", std::nullopt;
  if (!document.is_object() || !document.contains("simulation") || !document["simulation"].is_object() ||
      !document["simulation"].contains("within_unit") || !document["simulation"].contains("between_units"))
    return error = path + ": no simulation block with within_unit and between_units to take the links from",
           std::nullopt;
  return document["simulation"];
}

std::string first_problem(const json::Problems& problems) {
  return problems.empty() ? std::string("invalid") : json::format(problems.list().front());
}

// Writes `text` to `path` through a temporary file next to it, so a failed
// write never leaves half a scenario.
bool write_file(const std::string& path, const std::string& text) {
  std::string temporary = path + ".calibrate-tmp";
  {
    std::ofstream out(temporary);
    if (!(out << text) || !out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) std::filesystem::remove(temporary, ec);
  return !ec;
}

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
  auto interval = json::parse_duration(flags.interval);
  if (!interval || *interval < std::chrono::milliseconds(1))
    return std::cerr << "wsfo calibrate: --interval: '" << flags.interval << "' is not a duration of at least 1ms\n",
           kUsage;
  options.broadcast_interval = *interval;
  auto sizes = number_list("--sizes", flags.sizes, 1, 65535);
  if (!sizes) return kUsage;
  options.message_sizes = *sizes;
  auto fanout = number_list("--fanout", flags.fanout, 0, 60000);
  if (!fanout) return kUsage;
  options.fanout_clients = *fanout;
  options.testbed = flags.testbed;
  options.client_sessions = flags.clients;
  auto client_fanout = number_list("--client-fanout", flags.client_fanout, 1, 10000);
  if (!client_fanout) return kUsage;
  options.client_fanout = *client_fanout;
  auto client_interval = json::parse_duration(flags.client_interval);
  if (!client_interval || *client_interval < std::chrono::milliseconds(1))
    return std::cerr << "wsfo calibrate: --client-interval: '" << flags.client_interval
                     << "' is not a duration of at least 1ms\n",
           kUsage;
  options.client_interval = *client_interval;

  // Every input is checked before the minutes of measurement.
  std::optional<OrderedJson> links;
  std::string error;
  if (!flags.links_from.empty() && !readable_or_say("wsfo calibrate: --links-from", flags.links_from)) return kIoError;
  if (!flags.into.empty() && !readable_or_say("wsfo calibrate: --into", flags.into)) return kIoError;
  if (!flags.links_from.empty() && !(links = links_of(flags.links_from, error)))
    return std::cerr << "wsfo calibrate: --links-from: " << error << "\n", kInvalidInput;
  std::string into_text;
  if (!flags.into.empty()) {
    auto loaded = scenario::load_scenario_file(flags.into);
    if (loaded.unreadable) return std::cerr << "wsfo calibrate: --into: cannot read '" << flags.into << "'\n", kIoError;
    if (!loaded.scenario)
      return std::cerr << "wsfo calibrate: --into: " << flags.into
                       << " does not load as a scenario: " << first_problem(loaded.problems) << "\n",
             kInvalidInput;
    into_text = file_text(flags.into).value_or("");
    // Its own links stay unless --links-from names others.
    auto into = OrderedJson::parse(into_text, nullptr, false);
    if (!links && into.is_object() && into.contains("simulation")) links = into["simulation"];
    if (!flags.testbed && into.is_object() && into.contains("simulation") && into["simulation"].is_object() &&
        into["simulation"].contains("testbed"))
      std::cerr << "note: " << flags.into
                << " has a simulation.testbed; without --testbed the new block has none (a what-if on hosts of "
                   "their own)\n";
  }

  bench::Calibration result;
  try {
    result = bench::calibrate(options, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "wsfo calibrate: " << e.what() << "\n";
    return exit_code_of(e);
  }
  bench::print_figures(result, std::cerr);
  if (!result.problems.empty()) std::cerr << "wsfo calibrate: problems: " << result.problems << "\n";
  bool clients_missing = result.clients && (result.clients->attempts == 0 ||
                                            std::none_of(result.clients->fanout.begin(), result.clients->fanout.end(),
                                                         [](const auto& p) { return p.messages > 0; }));
  if (result.sessions == 0 || result.messages == 0 || result.backend.sessions == 0 || clients_missing) {
    std::cerr << "wsfo calibrate: a handshake or message figure was not measured; nothing written\n";
    return kCheckFailed;
  }
  auto block = bench::simulation_block(result, links ? &*links : nullptr);
  if (!flags.out.empty()) {
    if (!write_file(flags.out, block.dump(2) + "\n"))
      return std::cerr << "wsfo calibrate: cannot write '" << flags.out << "'\n", kIoError;
    std::cerr << "wrote " << flags.out << "\n";
  }
  if (!flags.into.empty()) {
    // In place when the key exists, else at the end; every other byte as it was.
    std::string text = bench::splice_top_level(into_text, "simulation", block["simulation"].dump(2));
    if (auto check = scenario::parse_scenario(text); !check.scenario)
      return std::cerr << "wsfo calibrate: --into: the rewritten " << flags.into
                       << " would not load: " << first_problem(check.problems) << "; left as it was\n",
             kCheckFailed;
    if (!write_file(flags.into, text))
      return std::cerr << "wsfo calibrate: cannot write '" << flags.into << "'\n", kIoError;
    std::cerr << "rewrote the simulation block of " << flags.into << "\n";
  }
  if (flags.out.empty() && flags.into.empty()) std::cout << block.dump(2) << "\n";
  return result.problems.empty() ? kOk : kCheckFailed;
}

}  // namespace

void add_calibrate_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("calibrate", "Measure what simulate charges (gateway and backend CPU) on real processes")
          ->footer(
              "Starts `wsfo backend` children and one `wsfo gateway` on 127.0.0.1 and reads their CPU time: "
              "connections held open through the gateway (gateway_cpu.handshake, close), echo through it at each of "
              "--sizes (gateway_cpu.message_per_kib, a least-squares line), a backend ticking every --client-interval "
              "broadcasting through it to the largest --client-fanout idle clients (gateway_cpu.message), a backend ticking every "
              "--interval with each of --fanout idle clients (backend_cpu.broadcast and message, a line), "
              "connect/upgrade/close loops straight to a backend (backend_cpu.handshake); with --testbed, a `wsfo clients` "
              "child reconnecting in a loop (testbed.client_cpu.handshake) and one with each of --client-fanout idle "
              "clients of a backend ticking every --client-interval (testbed.client_cpu.message, a line). Writes "
              "{\"simulation\": {...}} for a scenario file (docs/calibrate.md).\nExit: 0 measured, 1 a measurement was incomplete, 2 "
              "usage, an invalid input file or a process that could not start, 3 a file that could not be read or written.");
  static CalibrateFlags flags;
  cmd->add_option("--out", flags.out, "Write the block here (default: stdout, unless --into)");
  cmd->add_option("--into", flags.into,
                  "Rewrite this scenario file's simulation block in place (its links are kept; the rest untouched)");
  cmd->add_option("--links-from", flags.links_from, "Take the link figures from this file's simulation block");
  cmd->add_option("--duration", flags.duration, "Length of each measurement")->capture_default_str();
  cmd->add_option("--sizes", flags.sizes, "Echo message sizes in bytes, comma-separated (at least two)")
      ->capture_default_str();
  cmd->add_option("--fanout", flags.fanout, "Idle clients of the ticking backend, comma-separated (at least two)")
      ->capture_default_str();
  cmd->add_option("--interval", flags.interval, "Broadcast interval of the ticking backend")->capture_default_str();
  cmd->add_option("--backends", flags.backends, "Backend processes behind the gateway")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--concurrency", flags.concurrency, "Concurrent connect/close loops")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--connections", flags.connections, "Echo connections")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--idle", flags.idle, "Idle connections for the memory figure")->capture_default_str();
  cmd->add_flag("--testbed", flags.testbed,
                "Also measure the client fleet and write simulation.testbed (this machine's cores, client_cpu)");
  cmd->add_option("--clients", flags.clients, "With --testbed: clients of the reconnect loop")
      ->capture_default_str()
      ->check(CLI::Range(1, 5000));
  cmd->add_option("--client-fanout", flags.client_fanout,
                  "Idle clients of a ticking backend, comma-separated (at least two with --testbed): the largest "
                  "also reads a broadcast relayed through the gateway (gateway_cpu.message)")
      ->capture_default_str();
  cmd->add_option("--client-interval", flags.client_interval,
                  "Broadcast interval of the backend the idle clients read (through the gateway, and with "
                  "--testbed straight)")
      ->capture_default_str();
  cmd->callback([&exit_code] { exit_code = calibrate(flags); });
}

}  // namespace wsfo::cli
