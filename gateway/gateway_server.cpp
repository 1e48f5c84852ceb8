// A gateway node's life: start-up (persisted rules, listeners, admin API,
// VRRP), the accept loops that hand each connection to the handshake
// (handshake.cpp), serving on/off (faults), and the graceful SIGTERM
// sequence.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

#include "gateway/accept_backoff.hpp"
#include "gateway/accept_with_backoff.hpp"
#include "gateway/gateway_node.hpp"
#include "gateway/gateway_server.hpp"
#include "gateway/handshake.hpp"
#include "gateway/tls_front.hpp"
#include "gateway/vrrp_node.hpp"
#include "process/live_clock.hpp"

namespace wsfo::gateway {

using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;

GatewayNode::GatewayNode(net::io_context& io_context, GatewayConfig configuration, RulesState state,
                         std::ostream& log_stream)
    : io(io_context),
      config(std::move(configuration)),
      rules(std::move(state)),
      backends(std::make_shared<BackendPool>(config.routes, config.limits.fail_timeout)),
      registry(rules.active().modulus()),
      readiness(io_context),
      log(log_stream) {
  for (const auto& unit : config.units)
    if (unit.name != config.unit && !unit.gateways.empty())
      unit_gateways.emplace(unit.name, BackendGroup(unit.gateways, Balance::round_robin, config.limits.fail_timeout));
}

MonotonicTime GatewayNode::now() const {
  return std::chrono::duration_cast<MonotonicTime>(process::LiveClock::since_epoch());
}

std::ostream& log_line(GatewayNode& node) { return node.log << "gateway " << node.config.node << ": "; }

namespace {

awaitable<void> accept_loop(GatewayNode& node, std::shared_ptr<tcp::acceptor> acceptor) {
  net::steady_timer pause(node.io);
  AcceptBackoff backoff;
  while (auto socket = co_await accept_with_backoff(node, *acceptor, backoff, pause, "", true)) {
    // At the cap on handshakes in progress this connection waits, its head
    // in its socket buffer and the rest of a storm in the listen backlog,
    // until a handshake ends or the oldest one has been silent too long.
    const auto& limits = node.config.limits;
    std::chrono::nanoseconds wait;
    while ((wait = node.pending_heads.make_room(limits.max_handshakes_in_progress, limits.evict_heads_after)).count()) {
      error_code ec;
      pause.expires_after(wait);
      co_await pause.async_wait(net::redirect_error(use_awaitable, ec));
      if (!acceptor->is_open()) co_return;
    }
    node.accept_connection(std::move(*socket));
  }
}

awaitable<void> shutdown_sequence(GatewayNode& node) {
  net::steady_timer tick(node.io);
  error_code ec;
  auto wait_until_empty = [&](std::chrono::steady_clock::time_point until) -> awaitable<void> {
    while (node.registry.size() > 0 && process::LiveClock::now() < until) {
      tick.expires_after(std::chrono::milliseconds(10));
      co_await tick.async_wait(net::redirect_error(use_awaitable, ec));
    }
  };
  log_line(node) << "shutting down: " << node.registry.size() << " connection(s), drain timeout "
                 << json::format_duration(node.config.limits.drain_timeout) << "\n";
  co_await wait_until_empty(process::LiveClock::now() + node.config.limits.drain_timeout);
  auto remaining = node.registry.all();
  for (RegisteredConnection* c : remaining) c->close_with(1001, "gateway shutting down");
  if (!remaining.empty()) log_line(node) << "closed " << remaining.size() << " connection(s) with 1001\n";
  co_await wait_until_empty(process::LiveClock::now() + node.config.limits.close_timeout +
                            std::chrono::milliseconds(100));
  for (RegisteredConnection* c : node.registry.all()) c->drop();
  if (node.admin_acceptor) node.admin_acceptor->close(ec);
  log_line(node) << "stopped\n";
  node.io.stop();
}

}  // namespace

void GatewayNode::spawn_task(awaitable<void> task) {
  net::co_spawn(io, std::move(task), [this](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      log_line(*this) << "connection task failed: " << e.what() << "\n";
    }
  });
}

void GatewayNode::accept_connection(tcp::socket socket) {
  pending_heads.accepted();
  spawn_task(tls ? serve_tls(*this, std::move(socket)) : handle_handshake(*this, std::move(socket)));
}

void GatewayNode::start_handshake(tcp::socket socket, ClientTransport transport) {
  pending_heads.accepted();
  spawn_task(handle_handshake(*this, std::move(socket), std::move(transport)));
}

std::string GatewayNode::open_listeners() {
  bool first_time = listen_endpoints.empty();
  for (std::size_t i = 0; i < config.listen.size(); ++i) {
    const Endpoint& wanted = config.listen[i];
    error_code ec;
    tcp::endpoint endpoint(net::ip::make_address(wanted.host, ec),
                           first_time ? wanted.port : listen_endpoints[i].port());
    auto acceptor = std::make_shared<tcp::acceptor>(io);
    if (!ec) acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      close_listeners();
      return "cannot listen on " + wanted.text() + ": " + ec.message();
    }
    if (first_time) listen_endpoints.push_back(acceptor->local_endpoint());
    acceptors.push_back(acceptor);
  }
  for (const auto& acceptor : acceptors) spawn_task(accept_loop(*this, acceptor));
  return {};
}

void GatewayNode::close_listeners() {
  for (const auto& acceptor : acceptors) {
    error_code ignored;
    acceptor->close(ignored);
  }
  acceptors.clear();
}

std::string GatewayNode::set_serving(bool serve, bool drop_connections) {
  if (serve == serving || shutting_down || powered_off) return {};
  if (serve) {
    if (std::string error = open_listeners(); !error.empty()) return error;
    serving = true;
    log_line(*this) << "serving again\n";
  } else {
    close_listeners();
    serving = false;
    std::size_t dropped = 0;
    if (drop_connections)
      for (RegisteredConnection* c : registry.all()) c->drop(), ++dropped;
    log_line(*this) << "stopped serving (fault), dropped " << dropped << " connection(s)\n";
  }
  metrics.set_serving(serving);
  return {};
}

void GatewayNode::begin_shutdown() {
  if (shutting_down) return;
  shutting_down = true;
  if (vrrp) vrrp->shutdown();  // priority 0 first: the backup takes over after Skew_Time
  serving = false;
  metrics.set_serving(false);
  close_listeners();
  spawn_task(shutdown_sequence(*this));
}

// ---- GatewayServer ----

struct GatewayServer::Impl {
  Impl(GatewayConfig c, std::ostream& l) : config(std::move(c)), log(l), io(std::make_unique<net::io_context>(1)) {}
  ~Impl() {
    if (node) {
      node->vrrp.reset();
      node->close_listeners();
      error_code ignored;
      if (node->admin_acceptor) node->admin_acceptor->close(ignored);
      for (RegisteredConnection* c : node->registry.all()) c->drop();
      node->readiness.close();
    }
    signals.reset();
    hangups.reset();
    admin_restores.reset();
    io.reset();  // destroys pending handlers and the relays they hold, while `node` lives
    node.reset();
  }

  std::string restore_rules(RulesState& state, std::optional<std::uint64_t>& discarded, bool& config_error) {
    if (config.state_file.empty()) return {};
    std::ifstream in(config.state_file);
    if (!in) return {};  // first start: the config's rules
    std::stringstream text;
    text << in.rdbuf();
    json::Problems problems;
    auto document = json::parse(text.str(), problems);
    RestoredRules restored;
    if (document) restored = RulesState::restore(*document, config.unit_names(), problems);
    if (!problems.empty() || !restored.state) {
      config_error = true;
      std::string message = "state file '" + config.state_file + "' is invalid:";
      for (const auto& p : problems.list()) message += "\n  " + json::format(p);
      return message;
    }
    state = std::move(*restored.state);
    discarded = restored.discarded_pending;
    return {};
  }

  void wait_for_sigusr1() {
    admin_restores->async_wait([this](const error_code& ec, int) {
      if (ec) return;
      node->restore_admin();
      wait_for_sigusr1();
    });
  }

  void wait_for_sighup() {
    hangups->async_wait([this](const error_code& ec, int) {
      if (ec) return;
      node->reload_config();  // logs what it did, or why the running config is kept
      wait_for_sighup();
    });
  }

  GatewayConfig config;
  std::ostream& log;
  std::unique_ptr<net::io_context> io;
  std::unique_ptr<GatewayNode> node;
  std::unique_ptr<net::signal_set> signals;
  std::unique_ptr<net::signal_set> hangups;
  std::unique_ptr<net::signal_set> admin_restores;  // SIGUSR1: the admin API's faults lifted
  std::optional<std::pair<std::string, ConfigOverrides>> reload_source;
};

GatewayServer::GatewayServer(GatewayConfig config, std::ostream& log)
    : impl_(std::make_unique<Impl>(std::move(config), log)) {}

GatewayServer::~GatewayServer() = default;

void GatewayServer::reload_from(std::string config_path, ConfigOverrides overrides) {
  impl_->reload_source.emplace(std::move(config_path), std::move(overrides));
}

std::string GatewayServer::start(bool& config_error) {
  config_error = false;
  RulesState state(impl_->config.rules);
  std::optional<std::uint64_t> discarded;
  if (std::string error = impl_->restore_rules(state, discarded, config_error); !error.empty()) return error;
  impl_->node = std::make_unique<GatewayNode>(*impl_->io, impl_->config, std::move(state), impl_->log);
  GatewayNode& node = *impl_->node;
  if (const auto& tls = node.config.tls) {
    std::string error;
    node.tls = tls::server_context({tls->certificate_file, tls->key_file, tls->min_version}, error);
    if (!node.tls) {
      config_error = true;  // the config names files that do not make a TLS server
      return "cannot start TLS: " + error;
    }
    const std::pair<const std::string*, std::shared_ptr<tls::Context>*> peers[] = {
        {&tls->gateways_ca_file, &node.gateways_tls}, {&tls->backends_ca_file, &node.backends_tls}};
    for (auto [ca_file, context] : peers) {
      if (ca_file->empty()) continue;
      *context = tls::client_context({*ca_file, true, false}, error);
      if (!*context) {
        config_error = true;
        return std::string("cannot start TLS toward ") +
               (context == &node.gateways_tls ? "other units' gateways" : "this unit's backends") + ": " + error;
      }
    }
  }
  node.discarded_pending = discarded;
  if (impl_->reload_source) {
    auto& [path, overrides] = *impl_->reload_source;
    if (std::string error = node.watch_config_file(path, overrides); !error.empty()) return error;
  }
  if (!node.config.state_file.empty()) {
    log_line(node) << "rules v" << node.rules.active().version() << " from "
                   << (discarded || std::ifstream(node.config.state_file) ? "state file " : "config, state file ")
                   << node.config.state_file << "\n";
    if (discarded)
      log_line(node) << "discarded pending prepare of v" << *discarded << " (not committed before the restart); v"
                     << node.rules.active().version() << " stays active\n";
    if (std::string error = node.persist_rules(node.rules); !error.empty()) return error;
  }
  node.sync_rules_metrics();
  if (std::string error = node.open_listeners(); !error.empty()) return error;
  if (std::string error = node.open_admin(); !error.empty()) return error;
  if (node.config.vrrp) {
    node.vrrp = std::make_shared<NodeVrrp>(node, *node.config.vrrp);
    if (auto error = node.vrrp->start()) return *error;
  }
  return {};
}

namespace {
Endpoint to_endpoint(const tcp::endpoint& e) { return Endpoint{e.address().to_string(), e.port()}; }
}  // namespace

std::vector<Endpoint> GatewayServer::listen_endpoints() const {
  std::vector<Endpoint> endpoints;
  for (const auto& e : impl_->node->listen_endpoints) endpoints.push_back(to_endpoint(e));
  return endpoints;
}

Endpoint GatewayServer::admin_endpoint() const { return to_endpoint(impl_->node->admin_endpoint); }

void GatewayServer::run(bool handle_signals) {
  if (handle_signals) {
    impl_->signals = std::make_unique<net::signal_set>(*impl_->io, SIGTERM, SIGINT);
    impl_->signals->async_wait([this](const error_code& ec, int) {
      if (!ec) impl_->node->begin_shutdown();
    });
    impl_->hangups = std::make_unique<net::signal_set>(*impl_->io, SIGHUP);
    impl_->wait_for_sighup();
    impl_->admin_restores = std::make_unique<net::signal_set>(*impl_->io, SIGUSR1);
    impl_->wait_for_sigusr1();
  }
  impl_->io->run();
}

void GatewayServer::stop() {
  net::post(*impl_->io, [this] { impl_->node->begin_shutdown(); });
}

}  // namespace wsfo::gateway
