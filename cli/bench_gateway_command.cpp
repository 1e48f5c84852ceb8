// `wsfo bench gateway`: wsfo gateway against nginx under the same load in
// the same run. Prints the command line, the
// measurements and a table of ratios wsfo/nginx with their targets.
#include <openssl/crypto.h>
#include <sys/resource.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/self_path.hpp"
#include "core/json/json_reader.hpp"
#include "process/status_line.hpp"
#include "simulator/bench/gateway_bench.hpp"

namespace wsfo::cli {

namespace {

struct Flags {
  long long connections = 1000;
  long long idle_connections = 5000;
  std::string duration = "5s";
  std::string session_duration = "3s";
  long long session_concurrency = 64;
  long long message_size = 64;
  long long backends = 16;
  long long rounds = 9;
  long long load_threads = 1;
  long long relay_buffer_bytes = 0;
  std::string nginx = "/usr/sbin/nginx";
  bool check = false;
  bool tls = false;
};

// The bench holds the idle connections, the proxy twice as many: all of
// them need the hard limit, which children inherit.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// "" when the flags are usable, else what is wrong with which one.
std::string validate(const Flags& f, bench::GatewayBenchOptions& options) {
  auto in_range = [](long long v, long long low, long long high) { return v >= low && v <= high; };
  if (!in_range(f.connections, 1, 9000)) return "--connections: must be from 1 to 9000";
  if (!in_range(f.idle_connections, 1, 9000)) return "--idle-connections: must be from 1 to 9000";
  if (!in_range(f.message_size, 1, 65535)) return "--message-size: must be from 1 to 65535 bytes";
  if (!in_range(f.session_concurrency, 1, 1000)) return "--session-concurrency: must be from 1 to 1000";
  if (!in_range(f.backends, 1, 64)) return "--backends: must be from 1 to 64";
  if (!in_range(f.rounds, 1, 25)) return "--rounds: must be from 1 to 25";
  if (!in_range(f.load_threads, 1, 16)) return "--load-threads: must be from 1 to 16";
  if (f.relay_buffer_bytes != 0 && !in_range(f.relay_buffer_bytes, 256, 1 << 24))
    return "--relay-buffer-bytes: must be 0 (the gateway's default) or from 256 to 16777216";
  auto duration = json::parse_duration(f.duration);
  if (!duration || duration->count() <= 0) return "--duration: \"" + f.duration + "\" is not a positive duration";
  auto session_duration = json::parse_duration(f.session_duration);
  if (!session_duration || session_duration->count() <= 0)
    return "--session-duration: \"" + f.session_duration + "\" is not a positive duration";
  if (access(f.nginx.c_str(), X_OK) != 0) return "--nginx: " + f.nginx + " is not an executable file";
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  auto needed = static_cast<rlim_t>(2 * std::max(f.idle_connections, f.connections) + 100);
  if (limit.rlim_cur < needed)
    return "the descriptor limit " + std::to_string(limit.rlim_cur) + " is below the " + std::to_string(needed) +
           " the proxy needs for these connections (ulimit -Hn)";
  options.connections = static_cast<std::size_t>(f.connections);
  options.idle_connections = static_cast<std::size_t>(f.idle_connections);
  options.message_size = static_cast<std::size_t>(f.message_size);
  options.session_concurrency = static_cast<std::size_t>(f.session_concurrency);
  options.backends = static_cast<std::size_t>(f.backends);
  options.rounds = static_cast<std::size_t>(f.rounds);
  options.load_threads = static_cast<std::size_t>(f.load_threads);
  options.relay_buffer_bytes = static_cast<std::size_t>(f.relay_buffer_bytes);
  options.duration = *duration;
  options.session_duration = *session_duration;
  options.nginx_exe = f.nginx;
  options.tls = f.tls;
  return {};
}

int run_bench_gateway(const Flags& flags) {
  raise_descriptor_limit();
  bench::GatewayBenchOptions options;
  if (auto error = validate(flags, options); !error.empty()) {
    std::cerr << "wsfo bench gateway: " << error << "\n";
    return kUsage;
  }
  options.wsfo_exe = self_path();
  std::cout << "command: " << own_command_line() << "\n"
            << "peer: " << options.nginx_exe << " (master_process off: one process, one worker)"
            << "; wsfo gateway: one io thread\n";
  if (options.tls)
    std::cout << "TLS: both proxies terminate it with " << OpenSSL_version(OPENSSL_VERSION)
              << " (TLS 1.2-1.3, ECDSA P-256 certificate of the bench's own CA, no session resumption)\n";
  std::cout << std::flush;
  bench::GatewayBenchResult result;
  {
    process::StatusLine status("bench gateway");
    options.status = &status;
    result = bench::run_gateway_bench(options, status.log());
  }
  std::cout << "\n";
  bench::print_table(result, std::cout);
  std::cout << std::flush;
  return flags.check && !result.all_pass() ? kCheckFailed : kOk;
}

}  // namespace

void add_bench_gateway_commands(CLI::App& app, int& exit_code) {
  auto* cmd = bench_command(app)->add_subcommand(
      "gateway", "wsfo gateway against nginx (same backends, same load, same run): ratios wsfo/nginx");
  cmd->footer("On a terminal, a status line: the round, the proxy measured, the test running, the time so far.");
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--connections", flags->connections, "Connections of the echo test")->capture_default_str();
  cmd->add_option("--idle-connections", flags->idle_connections, "Idle connections of the memory test")
      ->capture_default_str();
  cmd->add_option("--duration", flags->duration, "Length of the echo test")->capture_default_str();
  cmd->add_option("--message-size", flags->message_size, "Bytes per echo message")->capture_default_str();
  cmd->add_option("--session-duration", flags->session_duration, "Length of the new-session test")
      ->capture_default_str();
  cmd->add_option("--session-concurrency", flags->session_concurrency, "Concurrent connect/upgrade/close loops")
      ->capture_default_str();
  cmd->add_option("--backends", flags->backends, "wsfo backend processes both proxies share")->capture_default_str();
  cmd->add_option("--rounds", flags->rounds, "Rounds (order alternating); the table has medians over them")
      ->capture_default_str();
  cmd->add_option("--load-threads", flags->load_threads, "Threads of the echo load generator")->capture_default_str();
  cmd->add_option("--relay-buffer-bytes", flags->relay_buffer_bytes,
                  "The gateway's limits.relay_buffer_bytes (0: the gateway's default)")
      ->capture_default_str();
  cmd->add_option("--nginx", flags->nginx, "The nginx binary (Debian: nginx-light)")->capture_default_str();
  cmd->add_flag("--check", flags->check, "Exit 1 when a target is missed");
  auto* tls = cmd->add_flag("--tls", flags->tls,
                            "Both proxies terminate TLS (wss://); a round measures TLS sessions (connect, full TLS "
                            "handshake, upgrade, close): their rate, latency and the proxy's CPU per session");
  // What a TLS round does not measure cannot be asked for with it.
  for (const char* name : {"--connections", "--idle-connections", "--duration", "--message-size", "--load-threads"})
    cmd->get_option(name)->excludes(tls);
  cmd->callback([flags, &exit_code] {
    exit_code = run_bench_gateway(*flags);  // what it throws (a part that did not start): main.cpp
  });
}

}  // namespace wsfo::cli
