// The gateway's handshake side: listeners, the request head read with size
// and time limits, the routing decision (core/gateway/route_decision), the
// answer or the upstream handshake, then the hand-over to the relay. Also
// serving on/off (faults), the graceful SIGTERM sequence, and start-up.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

#include "core/gateway/route_decision.hpp"
#include "gateway/gateway_node.hpp"
#include "gateway/gateway_server.hpp"
#include "gateway/relay.hpp"
#include "gateway/vrrp_node.hpp"

namespace wsfo::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
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
  return std::chrono::duration_cast<MonotonicTime>(std::chrono::steady_clock::now().time_since_epoch());
}

std::ostream& log_line(GatewayNode& node) { return node.log << "gateway " << node.config.node << ": "; }

namespace {

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

std::string seconds_text(std::chrono::nanoseconds d) { return json::format_duration(d); }

// Cancels a socket's pending operations when the time is up; the caller then
// sees operation_aborted and asks expired().
class Deadline {
 public:
  Deadline(tcp::socket& socket, std::chrono::nanoseconds after)
      : state_(std::make_shared<State>(State{&socket, false})), timer_(socket.get_executor()) {
    timer_.expires_after(after);
    timer_.async_wait([state = state_](const error_code& ec) {
      if (ec || !state->socket) return;
      state->expired = true;
      error_code ignored;
      state->socket->cancel(ignored);
    });
  }
  ~Deadline() {
    state_->socket = nullptr;
    timer_.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool expired() const { return state_->expired; }

 private:
  struct State {
    tcp::socket* socket;
    bool expired;
  };
  std::shared_ptr<State> state_;
  net::steady_timer timer_;
};

// Like nginx's lingering close: stop sending, then read what the client still
// sends for a moment, so an answer is not destroyed by a reset because unread
// request bytes were left in the socket.
awaitable<void> lingering_close(tcp::socket& socket) {
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  Deadline deadline(socket, std::chrono::milliseconds(500));
  std::array<char, 4096> sink;
  for (std::size_t total = 0; !ec && total < (1u << 20);) {
    total += co_await socket.async_read_some(net::buffer(sink), net::redirect_error(use_awaitable, ec));
  }
  socket.close(ec);
}

struct Answer {
  http::status status;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

awaitable<void> send_answer(GatewayNode& node, tcp::socket& socket, const Answer& answer) {
  http::response<http::string_body> response{answer.status, 11};
  response.set(http::field::server, "wsfo-gateway");
  response.set(bsv(kUnitHeader), node.config.unit);
  response.set(bsv(kNodeHeader), node.config.node);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  for (const auto& [name, value] : answer.headers) response.set(name, value);
  response.keep_alive(false);
  response.body() = answer.body + "\n";
  response.prepare_payload();
  error_code ec;
  {
    Deadline deadline(socket, node.config.limits.handshake_timeout);
    co_await http::async_write(socket, response, net::redirect_error(use_awaitable, ec));
  }
  co_await lingering_close(socket);
}

Answer answer_for(const Decision& decision) {
  Answer answer{static_cast<http::status>(decision.status), decision.reason, decision.headers};
  if (decision.kind == Decision::Kind::redirect) answer.headers.emplace_back("Location", decision.location);
  if (decision.retry_after) answer.headers.emplace_back("Retry-After", std::to_string(decision.retry_after->count()));
  return answer;
}

// Counts the rejection; the caller sends the answer. (Answers are named
// locals before any co_await: GCC 12 mishandles some temporaries that live
// across a suspension.)
Answer rejection(GatewayNode& node, http::status status, RejectReason reason, std::string text) {
  node.metrics.handshake(Metrics::Outcome::rejected, label(reason));
  return Answer{status, std::move(text), {}};
}

std::vector<std::uint8_t> bytes_of(const beast::flat_buffer& buffer) {
  auto data = buffer.data();
  const auto* begin = static_cast<const std::uint8_t*>(data.data());
  return {begin, begin + data.size()};
}

// Keeps a proxied handshake counted toward the connection limit until it
// relays or fails.
struct SetupCount {
  explicit SetupCount(GatewayNode& n) : node(n) { ++node.upstream_setups; }
  ~SetupCount() { --node.upstream_setups; }
  GatewayNode& node;
};

// Connects to the first candidate that answers; refused ones are marked down.
awaitable<bool> connect_upstream(GatewayNode& node, BackendGroup& group, std::optional<std::uint64_t> router_id,
                                 tcp::socket& upstream, std::string& tried) {
  for (std::size_t index : group.candidates(router_id, node.now())) {
    const Endpoint& endpoint = group.endpoint(index);
    error_code ec;
    tcp::endpoint target(net::ip::make_address(endpoint.host, ec), endpoint.port);
    upstream = tcp::socket(node.io);
    if (!ec) {
      Deadline deadline(upstream, node.config.limits.connect_timeout);
      co_await upstream.async_connect(target, net::redirect_error(use_awaitable, ec));
      if (ec && deadline.expired()) ec = net::error::timed_out;
    }
    if (!ec) {
      group.mark_ok(index);
      upstream.set_option(tcp::no_delay(true), ec);
      co_return true;
    }
    group.mark_failed(index, node.now());
    tried += (tried.empty() ? "" : ", ") + endpoint.text() + " (" + ec.message() + ")";
    log_line(node) << "upstream " << endpoint.text() << " failed: " << ec.message() << "; marked down for "
                   << seconds_text(node.config.limits.fail_timeout) << "\n";
  }
  co_return false;
}

awaitable<void> proxy(GatewayNode& node, tcp::socket client, beast::flat_buffer client_buffer,
                      http::request<http::empty_body> request, const Decision& decision) {
  SetupCount counted(node);
  bool local = decision.kind == Decision::Kind::proxy_local;
  std::shared_ptr<BackendPool> pool = node.backends;  // a reload during the connect must not free the group
  BackendGroup* group = nullptr;
  if (local) {
    group = pool->route_for(sv(request.target()));
  } else if (auto it = node.unit_gateways.find(decision.unit); it != node.unit_gateways.end()) {
    group = &it->second;
  }
  if (!group) {
    Answer answer = rejection(node, http::status::not_found, RejectReason::no_route,
                              "no route for path '" + std::string(sv(request.target())) + "'");
    co_await send_answer(node, client, answer);
    co_return;
  }
  tcp::socket upstream(node.io);
  std::string tried;
  bool connected = co_await connect_upstream(node, *group, decision.router_id, upstream, tried);
  if (!connected) {
    Answer answer =
        rejection(node, http::status::bad_gateway, RejectReason::no_backend,
                  (local ? "no backend answered: " : "no gateway of unit " + decision.unit + " answered: ") + tried);
    co_await send_answer(node, client, answer);
    co_return;
  }
  error_code ec;
  std::string client_ip = client.remote_endpoint(ec).address().to_string();
  auto forwarded_for = std::string(sv(request["X-Forwarded-For"]));
  request.set("X-Forwarded-For", forwarded_for.empty() ? client_ip : forwarded_for + ", " + client_ip);
  if (local) {
    request.set(bsv(kUnitHeader), node.config.unit);
    request.set(bsv(kNodeHeader), node.config.node);
  } else {
    request.erase(bsv(kUnitHeader));
    request.erase(bsv(kNodeHeader));
    request.set(bsv(kForwardedByHeader), node.config.unit + "/" + node.config.node);
  }
  beast::flat_buffer upstream_buffer;
  http::response_parser<http::string_body> response_parser;
  response_parser.header_limit(static_cast<std::uint32_t>(node.config.limits.max_header_bytes * 2));
  response_parser.body_limit(1 << 20);
  {
    Deadline deadline(upstream, node.config.limits.handshake_timeout);
    co_await http::async_write(upstream, request, net::redirect_error(use_awaitable, ec));
    if (!ec)
      co_await http::async_read(upstream, upstream_buffer, response_parser, net::redirect_error(use_awaitable, ec));
    if (ec && deadline.expired()) ec = net::error::timed_out;
  }
  if (ec) {
    Answer answer = rejection(
        node, http::status::bad_gateway, RejectReason::no_backend,
        "upstream " + std::string(local ? "backend" : "gateway") + " failed during the handshake: " + ec.message());
    co_await send_answer(node, client, answer);
    co_return;
  }
  auto response = response_parser.release();
  if (local) {
    response.set(bsv(kUnitHeader), node.config.unit);
    response.set(bsv(kNodeHeader), node.config.node);
  } else {
    response.set("X-Wsfo-Via", node.config.unit + "/" + node.config.node);
  }
  bool upgraded = response.result() == http::status::switching_protocols;
  if (!upgraded) response.keep_alive(false);
  {
    Deadline deadline(client, node.config.limits.handshake_timeout);
    co_await http::async_write(client, response, net::redirect_error(use_awaitable, ec));
  }
  if (!upgraded) {
    node.metrics.handshake(Metrics::Outcome::rejected, label(RejectReason::backend_refused_upgrade));
    co_await lingering_close(client);
    co_return;
  }
  if (ec) {
    node.metrics.handshake(Metrics::Outcome::rejected, label(RejectReason::client_closed));
    co_return;
  }
  node.metrics.handshake(Metrics::Outcome::proxied);
  RelayStart start{std::move(client), std::move(upstream),     decision.unit,
                   decision.slot,     bytes_of(client_buffer), bytes_of(upstream_buffer)};
  start_relay(node, std::move(start));
}

awaitable<void> handle_connection(GatewayNode& node, tcp::socket client) {
  error_code ec;
  client.set_option(tcp::no_delay(true), ec);
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(node.config.limits.max_header_bytes));
  bool expired = false;
  {
    Deadline deadline(client, node.config.limits.handshake_timeout);
    co_await http::async_read(client, buffer, parser, net::redirect_error(use_awaitable, ec));
    expired = deadline.expired();
  }
  std::optional<Answer> refusal;
  if (expired) {
    refusal = rejection(node, http::status::request_timeout, RejectReason::handshake_timeout,
                        "no complete request head within " + seconds_text(node.config.limits.handshake_timeout));
  } else if (ec == http::error::header_limit) {
    refusal = rejection(node, http::status::request_header_fields_too_large, RejectReason::header_too_large,
                        "request head exceeds " + std::to_string(node.config.limits.max_header_bytes) + " bytes");
  } else if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
             ec == http::error::partial_message) {
    node.metrics.handshake(Metrics::Outcome::rejected, label(RejectReason::client_closed));
    co_return;
  } else if (ec == http::error::unexpected_body) {
    refusal = rejection(node, http::status::bad_request, RejectReason::bad_request,
                        "a WebSocket upgrade request has no body");
  } else if (ec) {
    refusal = rejection(node, http::status::bad_request, RejectReason::bad_request,
                        "malformed HTTP request: " + ec.message());
  } else if (!node.serving) {
    refusal = rejection(node, http::status::service_unavailable, RejectReason::not_serving, "gateway is not serving");
  }
  if (refusal) {
    co_await send_answer(node, client, *refusal);
    co_return;
  }

  const auto& request = parser.get();
  RequestHead head{sv(request.method_string()), request.version(), sv(request.target()), {}};
  for (const auto& field : request) head.fields.emplace_back(sv(field.name_string()), sv(field.value()));
  Decision decision = decide(DecisionInputs{head, node.config, node.rules, node.live_connections()});
  switch (decision.kind) {
    case Decision::Kind::reject:
    case Decision::Kind::redirect: {
      if (decision.kind == Decision::Kind::reject)
        node.metrics.handshake(Metrics::Outcome::rejected, label(decision.reason_code));
      else
        node.metrics.handshake(Metrics::Outcome::redirected);
      Answer answer = answer_for(decision);
      co_await send_answer(node, client, answer);
      co_return;
    }
    case Decision::Kind::proxy_local:
    case Decision::Kind::proxy_to_unit: {
      auto upgrade = parser.release();
      co_await proxy(node, std::move(client), std::move(buffer), std::move(upgrade), decision);
      co_return;
    }
  }
}

void spawn(GatewayNode& node, awaitable<void> task) {
  net::co_spawn(node.io, std::move(task), [&node](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      log_line(node) << "connection task failed: " << e.what() << "\n";
    }
  });
}

awaitable<void> accept_loop(GatewayNode& node, std::shared_ptr<tcp::acceptor> acceptor) {
  net::steady_timer backoff(node.io);
  while (acceptor->is_open()) {
    error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(net::redirect_error(use_awaitable, ec));
    if (!acceptor->is_open()) co_return;
    if (ec) {  // e.g. out of descriptors: do not spin
      log_line(node) << "accept failed: " << ec.message() << "\n";
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(net::redirect_error(use_awaitable, ec));
      continue;
    }
    node.accept_connection(std::move(socket));
  }
}

awaitable<void> shutdown_sequence(GatewayNode& node) {
  net::steady_timer tick(node.io);
  error_code ec;
  auto wait_until_empty = [&](std::chrono::steady_clock::time_point until) -> awaitable<void> {
    while (node.registry.size() > 0 && std::chrono::steady_clock::now() < until) {
      tick.expires_after(std::chrono::milliseconds(10));
      co_await tick.async_wait(net::redirect_error(use_awaitable, ec));
    }
  };
  log_line(node) << "shutting down: " << node.registry.size() << " connection(s), drain timeout "
                 << seconds_text(node.config.limits.drain_timeout) << "\n";
  co_await wait_until_empty(std::chrono::steady_clock::now() + node.config.limits.drain_timeout);
  auto remaining = node.registry.all();
  for (RegisteredConnection* c : remaining) c->close_with(1001, "gateway shutting down");
  if (!remaining.empty()) log_line(node) << "closed " << remaining.size() << " connection(s) with 1001\n";
  co_await wait_until_empty(std::chrono::steady_clock::now() + node.config.limits.close_timeout +
                            std::chrono::milliseconds(100));
  for (RegisteredConnection* c : node.registry.all()) c->drop();
  if (node.admin_acceptor) node.admin_acceptor->close(ec);
  log_line(node) << "stopped\n";
  node.io.stop();
}

}  // namespace

void GatewayNode::accept_connection(tcp::socket socket) { spawn(*this, handle_connection(*this, std::move(socket))); }

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
  for (const auto& acceptor : acceptors) spawn(*this, accept_loop(*this, acceptor));
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
  if (serve == serving || shutting_down) return {};
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
  spawn(*this, shutdown_sequence(*this));
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
  }
  impl_->io->run();
}

void GatewayServer::stop() {
  net::post(*impl_->io, [this] { impl_->node->begin_shutdown(); });
}

}  // namespace wsfo::gateway
