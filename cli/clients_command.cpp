// `wsfo clients`: a fleet of reconnecting WebSocket clients (docs/clients.md).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/commands.hpp"
#include "clients/fleet.hpp"
#include "clients/process_limits.hpp"
#include "core/clients/router_id_plan.hpp"
#include "core/json/json_reader.hpp"
#include "tls/contexts.hpp"

namespace wsfo::cli {

namespace {

struct ClientsFlags {
  std::string url;
  std::vector<std::string> resolve;
  std::string router_ids;
  std::string router_ids_file;
  std::string router_id_range;
  long long random = -1;
  unsigned long long seed = 1;
  std::string random_range = "0-9223372036854775807";
  long long count = -1;
  bool query_mode = false;
  bool cookie_mode = false;
  bool browser = false;
  std::string unit_type = "unit_type";
  std::string reconnect = "fixed:1500ms";
  std::string heartbeat;
  std::string idle_timeout = "15s";
  std::string handshake_timeout = "5s";
  std::string close_timeout = "2s";
  long long max_redirects = 5;
  std::string ca_file;
  bool tls_no_verify = false;
  bool tls_offer_legacy = false;
  long long max_message = 1 << 20;
  bool no_first_message = false;
  std::string close_after;
  std::string source_net = "127.1.0.0/16";
  long long threads = 1;
  double connect_rate = 0;
  std::string duration;
  std::string events;
  bool verbose = false;
  std::string source = "clients";
};

constexpr long long kMaxClients = 1'000'000;

std::optional<clients::Nanos> duration_flag(const std::string& text, bool allow_zero, std::string& error) {
  auto d = json::parse_duration(text);
  if (!d) {
    error = "'" + text + "' is not a duration (expected e.g. 1500ms, 5s)";
    return std::nullopt;
  }
  if (d->count() < 0 || (!allow_zero && d->count() == 0)) {
    error = allow_zero ? "must not be negative" : "must be greater than zero, got " + text;
    return std::nullopt;
  }
  return d;
}

// A long list travels in a file: one command-line argument holds at most
// 128 KiB on Linux, about 6500 random 63-bit routerIds.
std::optional<std::vector<std::uint64_t>> read_router_ids_file(const std::string& path, std::string& error, int& code) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    code = kIoError;
    return std::nullopt;
  }
  auto ids = clients::parse_router_id_lines(text, error);
  if (!ids) error = path + " " + error;
  return ids;
}

std::optional<std::vector<std::uint64_t>> router_ids_of(const ClientsFlags& flags, std::string& error,
                                                        std::string& flag, int& code) {
  int sources =
      !flags.router_ids.empty() + !flags.router_ids_file.empty() + !flags.router_id_range.empty() + (flags.random >= 0);
  if (sources != 1) {
    flag = "--router-ids";
    error = "give exactly one of --router-ids, --router-ids-file, --router-id-range, --random";
    return std::nullopt;
  }
  if (flags.count == 0 || flags.count < -1 || flags.count > kMaxClients) {
    flag = "--count";
    error = "must be from 1 to " + std::to_string(kMaxClients) + ", got " + std::to_string(flags.count);
    return std::nullopt;
  }
  std::vector<std::uint64_t> base;
  if (!flags.router_ids.empty()) {
    flag = "--router-ids";
    auto list = clients::parse_router_id_list(flags.router_ids, error);
    if (!list) return std::nullopt;
    base = std::move(*list);
  } else if (!flags.router_ids_file.empty()) {
    flag = "--router-ids-file";
    auto list = read_router_ids_file(flags.router_ids_file, error, code);
    if (!list) return std::nullopt;
    base = std::move(*list);
  } else if (!flags.router_id_range.empty()) {
    flag = "--router-id-range";
    auto span = clients::parse_router_id_span(flags.router_id_range, error);
    if (!span) return std::nullopt;
    auto limit = flags.count > 0 ? static_cast<std::uint64_t>(flags.count) : std::uint64_t(kMaxClients) + 1;
    if (flags.count < 0 && span->size() > static_cast<std::uint64_t>(kMaxClients)) {
      error = "holds " + std::to_string(span->size()) + " routerIds, more than " + std::to_string(kMaxClients) +
              " clients; add --count";
      return std::nullopt;
    }
    base = clients::expand_span(*span, limit);
  } else {
    flag = "--random";
    if (flags.random == 0 || flags.random > kMaxClients) {
      error = "must be from 1 to " + std::to_string(kMaxClients) + ", got " + std::to_string(flags.random);
      return std::nullopt;
    }
    if (flags.count >= 0) {
      flag = "--count";
      error = "not with --random (which gives the count)";
      return std::nullopt;
    }
    flag = "--random-range";
    auto span = clients::parse_router_id_span(flags.random_range, error);
    if (!span) return std::nullopt;
    flag = "--random";
    auto drawn = clients::draw_distinct(static_cast<std::uint64_t>(flags.random), flags.seed, *span, error);
    if (!drawn) return std::nullopt;
    return drawn;
  }
  if (flags.count < 0) return base;
  // --count with a list: the list is used cyclically.
  std::vector<std::uint64_t> ids;
  ids.reserve(static_cast<std::size_t>(flags.count));
  for (long long i = 0; i < flags.count; ++i) ids.push_back(base[static_cast<std::size_t>(i) % base.size()]);
  return ids;
}

// The CA file is loaded once here, so a missing or malformed one is one clear
// line before any client starts (each wss:// attempt would fail otherwise).
bool tls_options_usable(const tls::ClientOptions& options, std::string& error, int& code) {
  std::ifstream in(options.ca_file);
  if (!in) {
    error = "cannot read '" + options.ca_file + "': " + std::strerror(errno);
    code = kIoError;
    return false;
  }
  return tls::client_context(options, error) != nullptr;
}

// Every flag is checked here so a mistake gets one clear line and exit 2
// (`code`; 3 when a file cannot be read).
std::optional<clients::FleetOptions> to_options(const ClientsFlags& flags, int& code) {
  code = kUsage;
  clients::FleetOptions options;
  std::string error, flag;
  auto fail = [&](const std::string& name) {
    std::cerr << "wsfo clients: " << name << ": " << error << "\n";
    return std::nullopt;
  };
  auto url = clients::parse_ws_url(flags.url, error);
  if (!url) return fail("--url");
  options.url = *url;
  for (const auto& entry : flags.resolve)
    if (!options.names.add(entry, error)) return fail("--resolve");
  auto ids = router_ids_of(flags, error, flag, code);
  if (!ids) return fail(flag);
  options.router_ids = std::move(*ids);
  options.query_mode = flags.query_mode;
  options.cookie_mode = flags.cookie_mode;
  options.browser = flags.browser;
  if (flags.browser && !flags.query_mode && !flags.cookie_mode) {
    error = "a browser cannot set headers on a WebSocket: give --query-mode or --cookie-mode with it";
    return fail("--browser");
  }
  options.seed = flags.seed;
  if (flags.unit_type.find_first_of("\r\n") != std::string::npos) {
    error = "must not contain a line break";
    return fail("--unit-type");
  }
  options.unit_type = flags.unit_type;
  auto reconnect = clients::parse_reconnect_spec(flags.reconnect, error);
  if (!reconnect) return fail("--reconnect");
  options.reconnect = *reconnect;
  if (!flags.heartbeat.empty()) {
    auto heartbeat = duration_flag(flags.heartbeat, false, error);
    if (!heartbeat) return fail("--heartbeat");
    options.heartbeat = *heartbeat;
  }
  auto idle = duration_flag(flags.idle_timeout, false, error);
  if (!idle) return fail("--idle-timeout");
  options.idle_timeout = *idle;
  if (options.heartbeat && options.idle_timeout <= *options.heartbeat) {
    error = "must be longer than --heartbeat (" + flags.heartbeat + "), or a silent peer could never be told apart";
    return fail("--idle-timeout");
  }
  auto handshake = duration_flag(flags.handshake_timeout, false, error);
  if (!handshake) return fail("--handshake-timeout");
  options.handshake_timeout = *handshake;
  auto close = duration_flag(flags.close_timeout, false, error);
  if (!close) return fail("--close-timeout");
  options.close_timeout = *close;
  if (flags.max_redirects < 0 || flags.max_redirects > 100) {
    error = "must be from 0 to 100, got " + std::to_string(flags.max_redirects);
    return fail("--max-redirects");
  }
  options.max_redirects = static_cast<int>(flags.max_redirects);
  options.tls.ca_file = flags.ca_file;
  options.tls.verify = !flags.tls_no_verify;
  options.tls.offer_legacy_versions = flags.tls_offer_legacy;
  if (!flags.ca_file.empty() && !tls_options_usable(options.tls, error, code)) return fail("--ca-file");
  if (flags.max_message < 1 || flags.max_message > (1LL << 30)) {
    error = "must be from 1 to " + std::to_string(1LL << 30) + " bytes, got " + std::to_string(flags.max_message);
    return fail("--max-message");
  }
  options.max_message_bytes = static_cast<std::size_t>(flags.max_message);
  options.send_first_message = !flags.no_first_message;
  if (!flags.close_after.empty()) {
    auto close_after = duration_flag(flags.close_after, true, error);
    if (!close_after) return fail("--close-after");
    options.close_after = *close_after;
  }
  if (flags.source_net != "none") {
    auto pool = clients::SourcePool::parse(flags.source_net, error);
    if (!pool) return fail("--source-net");
    options.sources = *pool;
  }
  if (flags.threads < 1 || flags.threads > 64) {
    error = "must be from 1 to 64, got " + std::to_string(flags.threads);
    return fail("--threads");
  }
  options.threads = static_cast<unsigned>(flags.threads);
  if (!(flags.connect_rate >= 0 && flags.connect_rate <= 1e6)) {
    error = "must be from 0 (all at once) to 1000000 clients per second";
    return fail("--connect-rate");
  }
  options.connect_rate = flags.connect_rate;
  if (!flags.duration.empty()) {
    auto duration = duration_flag(flags.duration, false, error);
    if (!duration) return fail("--duration");
    options.duration = *duration;
  }
  if (flags.verbose && flags.events == "-") {
    error = "--verbose and --events - both write to stdout; write the events to a file";
    return fail("--events");
  }
  if (flags.source.empty()) {
    error = "must not be empty";
    return fail("--source");
  }
  options.source_name = flags.source;
  return options;
}

}  // namespace

void add_clients_commands(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("clients", "Run N reconnecting WebSocket clients in one process");
  cmd->footer(
      "Each client sends its routerId (headers routerId and unitType, or ?routerId= with --query-mode), dials "
      "wss:// over TLS (SNI and host name verification against --ca-file), follows 30x by hand (hop limit, loop "
      "detection), reconnects after every close or failure, pings with --heartbeat and "
      "drops a peer silent for --idle-timeout. Events (docs/history.md) go to --events as JSON lines; --verbose "
      "prints the seed client's lines instead. SIGINT/SIGTERM or the end of --duration close every client with "
      "1000 and print a summary (on stderr when stdout carries events or verbose lines).");
  auto flags = std::make_shared<ClientsFlags>();
  cmd->add_option("--url", flags->url, "Where every attempt starts, e.g. ws://websocket.msha.tech:8020/")->required();
  cmd->add_option("--resolve", flags->resolve, "host=ip:port[,ip:port...] standing in for DNS (repeatable)");
  cmd->add_option("--router-ids", flags->router_ids, "Comma-separated routerIds, one client each");
  cmd->add_option("--router-ids-file", flags->router_ids_file,
                  "File of routerIds, one per line or comma-separated (for lists too long for one argument)");
  cmd->add_option("--router-id-range", flags->router_id_range, "from-to: one client per routerId");
  cmd->add_option("--random", flags->random, "N clients with distinct random routerIds (see --seed, --random-range)");
  cmd->add_option("--seed", flags->seed, "Seed of --random and of jitter")->capture_default_str();
  cmd->add_option("--random-range", flags->random_range, "from-to for --random")->capture_default_str();
  cmd->add_option("--count", flags->count, "Number of clients; a shorter list is used cyclically");
  auto* query =
      cmd->add_flag("--query-mode", flags->query_mode, "Send routerId as a query parameter (browser-like), no headers");
  cmd->add_flag("--cookie-mode", flags->cookie_mode, "Send routerId as a cookie (routerId=N), no routerId header")
      ->excludes(query);
  cmd->add_flag("--browser", flags->browser,
                "Behave as a browser's WebSocket: an Origin header, no custom headers (needs --query-mode or "
                "--cookie-mode), and a 30x on the upgrade fails the attempt (redirect_not_followed) instead of "
                "being followed");
  cmd->add_option("--unit-type", flags->unit_type, "Value of the unitType header")->capture_default_str();
  cmd->add_option("--reconnect", flags->reconnect,
                  "fixed:<delay> or backoff:base=<d>,cap=<d>[,jitter=<0..1>] (default: full jitter)")
      ->capture_default_str();
  cmd->add_option("--heartbeat", flags->heartbeat, "Ping period, e.g. 5s (default: no pings)");
  cmd->add_option("--idle-timeout", flags->idle_timeout, "No pong / nothing heard for this long: drop the peer")
      ->capture_default_str();
  cmd->add_option("--handshake-timeout", flags->handshake_timeout, "Limit on TCP connect + upgrade, per hop")
      ->capture_default_str();
  cmd->add_option("--close-timeout", flags->close_timeout, "Wait for the peer's close frame at shutdown")
      ->capture_default_str();
  cmd->add_option("--max-redirects", flags->max_redirects, "Redirect hops per attempt")->capture_default_str();
  cmd->add_option("--ca-file", flags->ca_file,
                  "PEM file of the CA a wss:// server's certificate must chain to (default: the system's trust "
                  "store); a certificate it does not cover fails the attempt as certificate_error");
  cmd->add_flag("--tls-no-verify", flags->tls_no_verify,
                "Accept any certificate on wss:// (no chain or host name check); SNI is still sent");
  cmd->add_flag("--tls-offer-legacy", flags->tls_offer_legacy,
                "Offer only TLS 1.0 and 1.1 on wss:// (OpenSSL security level 0): exists to test that a server "
                "refuses old versions");
  cmd->add_option("--max-message", flags->max_message, "Largest message accepted, in bytes")->capture_default_str();
  cmd->add_flag("--no-first-message", flags->no_first_message, "Do not send Date.now() on open");
  cmd->add_option("--close-after", flags->close_after, "Close (1000) this long after opening, then reconnect");
  cmd->add_option("--source-net", flags->source_net, "Spread source addresses over this block, or none")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "io_context threads")->capture_default_str();
  cmd->add_option("--connect-rate", flags->connect_rate, "Clients started per second at the beginning; 0: all at once")
      ->capture_default_str();
  cmd->add_option("--duration", flags->duration, "Run this long, then close all and print the summary");
  cmd->add_option("--events", flags->events, "Write events as JSON lines to FILE, or - for stdout");
  cmd->add_flag("--verbose", flags->verbose, "Print like the seed's Node.js client (for one or a few clients)");
  cmd->add_option("--source", flags->source, "The `source` field of every event")->capture_default_str();
  cmd->callback([flags, &exit_code] {
    int failure = kUsage;
    auto options = to_options(*flags, failure);
    if (!options) {
      exit_code = failure;
      return;
    }
    if (auto shortage = clients::descriptor_shortage(options->router_ids.size()); !shortage.empty()) {
      std::cerr << "wsfo clients: " << shortage << "\n";
      exit_code = kUsage;
      return;
    }
    std::FILE* events = nullptr;
    bool own_file = false;
    if (flags->events == "-") {
      events = stdout;
    } else if (!flags->events.empty()) {
      events = std::fopen(flags->events.c_str(), "w");
      if (!events) {
        std::cerr << "wsfo clients: --events: cannot write '" << flags->events << "': " << std::strerror(errno) << "\n";
        exit_code = kIoError;
        return;
      }
      own_file = true;
    }
    clients::FleetSummary summary;
    bool healthy = true;
    {
      clients::EventSink sink(events, flags->verbose ? stdout : nullptr);
      clients::Fleet fleet(std::move(*options), sink);
      summary = fleet.run();
      sink.flush();
      healthy = sink.healthy();
    }
    if (own_file && std::fclose(events) != 0) healthy = false;
    bool summary_to_stderr = flags->verbose || flags->events == "-";
    (summary_to_stderr ? std::cerr : std::cout) << summary.format() << std::flush;
    if (!healthy) {
      std::cerr << "wsfo clients: --events: writing '" << flags->events << "' failed\n";
      exit_code = kIoError;
      return;
    }
    exit_code = kOk;
  });
}

}  // namespace wsfo::cli
