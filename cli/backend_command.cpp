// `wsfo backend`: run one scripted backend unit (DESIGN.md §1, backends).
#include <iostream>

#include "cli/commands.hpp"
#include "simulator/backend/backend_server.hpp"

namespace wsfo::cli {

namespace {

struct BackendFlags {
  std::string label = "backend";
  std::string name;
  std::string listen = "127.0.0.1:8080";
  std::string interval = "1s";
  long long message_size = 0;
  bool echo = true;
  std::string announce = "all";
  std::string delay = "0ms";
  std::string crash_after;
  std::string tls_certificate;
  std::string tls_key;
};

// Every flag is checked here so a mistake gets one clear line and exit 2.
std::optional<backend::BackendOptions> to_options(const BackendFlags& flags) {
  backend::BackendOptions options;
  std::string error;
  auto fail = [&error](const std::string& flag) {
    std::cerr << "wsfo backend: " << flag << ": " << error << "\n";
    return std::nullopt;
  };
  if (!backend::valid_label(flags.label, error)) return fail("--label");
  options.label = flags.label;
  if (!flags.name.empty() && !backend::valid_label(flags.name, error)) return fail("--name");
  options.name = flags.name;
  auto listen = backend::parse_listen_address(flags.listen, error);
  if (!listen) return fail("--listen");
  options.listen = *listen;
  auto interval = backend::parse_backend_duration(flags.interval, error);
  if (!interval) return fail("--interval");
  if (interval->count() > 0 && *interval < backend::kMinInterval) {
    error = "must be 0 (off) or at least 1ms, got " + flags.interval;
    return fail("--interval");
  }
  options.interval = *interval;
  if (flags.message_size < 0 || static_cast<unsigned long long>(flags.message_size) > backend::kMaxMessageSize) {
    error = "must be from 0 to " + std::to_string(backend::kMaxMessageSize) + " bytes, got " +
            std::to_string(flags.message_size);
    return fail("--message-size");
  }
  options.message_size = static_cast<std::size_t>(flags.message_size);
  options.echo = flags.echo;
  options.announce = flags.announce == "self" ? backend::Announce::self : backend::Announce::all;
  auto delay = backend::parse_backend_duration(flags.delay, error);
  if (!delay) return fail("--delay");
  options.reply_delay = *delay;
  if (!flags.crash_after.empty()) {
    auto crash_after = backend::parse_backend_duration(flags.crash_after, error);
    if (!crash_after) return fail("--crash-after");
    options.crash_after = *crash_after;
  }
  if (flags.tls_certificate.empty() != flags.tls_key.empty()) {
    error = "wss:// needs both --tls-certificate and --tls-key";
    return fail(flags.tls_key.empty() ? "--tls-certificate" : "--tls-key");
  }
  options.tls_certificate_file = flags.tls_certificate;
  options.tls_key_file = flags.tls_key;
  return options;
}

}  // namespace

void add_backend_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("backend", "Run a scripted backend unit: welcome text, echo, sequence broadcasts, GET /stats");
  cmd->footer(
      "Messages (text frames): on connect `Welcome to the server!<label>` to the client and `<label> new "
      "connection: <path>` to every client (--announce self: to the new client only); each received message is "
      "answered with `<message>:<label>`; every "
      "interval `<seq>:<label>` (seq = 1, 2, ...) goes to every client.\n"
      "GET /stats answers JSON: label, open/total connections, messages sent/received, last_broadcast_seq, and "
      "open/total connections per routerId header (\"none\" without one, \"malformed\" when invalid) and per "
      "X-Wsfo-Node header.\n"
      "With --tls-certificate and --tls-key the listener speaks TLS 1.2/1.3 only (wss://, GET /stats over "
      "https): a failed TLS handshake ends only that connection and counts in tls_handshake_failures.\n"
      "Prints `ready HOST:PORT` on stdout once listening. SIGTERM/SIGINT: close every client with 1001 and exit 0 "
      "(after at most 2 s).");
  static BackendFlags flags;
  cmd->add_option("--label", flags.label, "Label glued into every message, e.g. hangzhou")->capture_default_str();
  cmd->add_option("--name", flags.name,
                  "This backend's name in the X-Wsfo-Backend header of the 101 (default: the label), to tell "
                  "apart the backends of one unit");
  cmd->add_option("--listen", flags.listen, "HOST:PORT to listen on (numeric IP; port 0 = any free port)")
      ->capture_default_str();
  cmd->add_option("--interval", flags.interval, "Period of the `<seq>:<label>` broadcast, e.g. 500ms; 0s = off")
      ->capture_default_str();
  cmd->add_option("--message-size", flags.message_size,
                  "Pad each `<seq>:<label>` broadcast to this many bytes as `<seq>:<label>|xxx...` "
                  "(0 = no padding; longer texts are not cut)")
      ->capture_default_str();
  cmd->add_flag("--echo,!--no-echo", flags.echo,
                "Answer each received message with `<message>:<label>` (default); --no-echo only counts them");
  cmd->add_option("--announce", flags.announce,
                  "Who hears `<label> new connection: <path>`: all (every client, as the seed's app) or self "
                  "(only the new client; all costs O(clients^2) messages while a fleet connects)")
      ->check(CLI::IsMember({"all", "self"}))
      ->capture_default_str();
  cmd->add_option("--delay", flags.delay, "Wait this long before answering each message (a slow backend)")
      ->capture_default_str();
  cmd->add_option("--crash-after", flags.crash_after,
                  "Exit abruptly this long after listening, like a killed process: no close frames, "
                  "exit status " +
                      std::to_string(backend::kCrashExitStatus));
  cmd->add_option("--tls-certificate", flags.tls_certificate,
                  "PEM certificate chain: serve wss:// only (with --tls-key; a key that does not match is exit 2)");
  cmd->add_option("--tls-key", flags.tls_key, "PEM private key of --tls-certificate");
  cmd->callback([&exit_code] {
    auto options = to_options(flags);
    if (!options) {
      exit_code = kUsage;
      return;
    }
    for (const std::string* file : {&options->tls_certificate_file, &options->tls_key_file})
      if (!file->empty() && !readable_or_say("wsfo backend", *file)) {
        exit_code = kIoError;
        return;
      }
    exit_code = backend::run_backend(*options, std::cout);
  });
}

}  // namespace wsfo::cli
