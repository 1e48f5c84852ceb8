#include "gateway/upstream_proxy.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include "core/gateway/answers.hpp"
#include "core/gateway/upstream_choice.hpp"
#include "gateway/accept_backoff.hpp"
#include "gateway/answer_writer.hpp"
#include "gateway/relay.hpp"
#include "gateway/socket_deadline.hpp"
#include "gateway/tls_pipe.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// of coroutines with external linkage (asio's frame operator new and delete
// do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;

// Keeps a proxied handshake counted toward the connection limit until it
// relays or fails. (Not in the anonymous namespace: it lives in the frame of
// proxy(), which other files call.)
struct UpstreamSetupCount {
  explicit UpstreamSetupCount(GatewayNode& n) : node(n) { ++node.upstream_setups; }
  ~UpstreamSetupCount() { --node.upstream_setups; }
  GatewayNode& node;
};

namespace {

std::vector<std::uint8_t> bytes_of(const beast::flat_buffer& buffer) {
  auto data = buffer.data();
  const auto* begin = static_cast<const std::uint8_t*>(data.data());
  return {begin, begin + data.size()};
}

// Connects to the first candidate that takes the connection; the ones that
// refuse or time out are marked down and logged. Out of descriptors, the
// fault is the gateway's own: `local_failure` is set and no candidate is
// blamed.
awaitable<bool> connect_upstream(GatewayNode& node, UpstreamChoice& choice, tcp::socket& upstream,
                                 error_code& local_failure) {
  for (;;) {
    std::optional<std::size_t> index = choice.next();
    if (!index) co_return false;
    const Endpoint& endpoint = choice.endpoint(*index);
    error_code ec;
    tcp::endpoint target(net::ip::make_address(endpoint.host, ec), endpoint.port);
    upstream = tcp::socket(node.io);
    if (!ec) {
      Deadline deadline(upstream, node.config.limits.connect_timeout);
      co_await upstream.async_connect(target, net::redirect_error(use_awaitable, ec));
      if (ec && deadline.expired()) ec = net::error::timed_out;
    }
    if (ec && AcceptBackoff::reason(ec) == "descriptors") {
      local_failure = ec;
      co_return false;
    }
    if (!ec) {
      choice.connected(*index);
      upstream.set_option(tcp::no_delay(true), ec);
      co_return true;
    }
    choice.failed(*index, ec.message(), node.now());
    log_line(node) << "upstream " << endpoint.text() << " failed: " << ec.message() << "; marked down for "
                   << json::format_duration(node.config.limits.fail_timeout) << "\n";
  }
}

// The request as the upstream sees it: who it was forwarded for, and which
// gateway sent it (own unit), or that another unit's gateway forwarded it,
// so that gateway refuses to send it on again.
void mark_forwarded(GatewayNode& node, const tcp::socket& client, const ClientTransport& transport,
                    http::request<http::empty_body>& request, bool local) {
  error_code ec;
  std::string client_ip =
      (transport.peer ? *transport.peer : client.remote_endpoint(ec)).address().to_string();
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
}

// The TLS handshake with an upstream (another unit's gateway, or a backend
// of this unit), verified against `context` for `host`, the address it was
// reached at (its certificate names its addresses); "" or why it failed. On
// success `upstream` is the plain end of the TLS pipe.
awaitable<std::string> upstream_over_tls(GatewayNode& node, std::shared_ptr<tls::Context> context,
                                         tcp::socket& upstream, const std::string& host) {
  auto pipe = std::make_shared<TlsPipe>(node, std::move(upstream), std::move(context));
  std::string failure;
  if (!tls::prepare_client(pipe->tls.native_handle(), host, true, failure)) co_return failure;
  error_code ec;
  {
    Deadline deadline(pipe->tls.next_layer(), node.config.limits.handshake_timeout);
    co_await pipe->tls.async_handshake(net::ssl::stream_base::client, net::redirect_error(use_awaitable, ec));
    if (ec && deadline.expired()) co_return "TLS handshake timed out";
  }
  if (ec) co_return "TLS handshake: " + tls::describe_failure(ec, pipe->tls.native_handle());
  std::optional<tcp::socket> plain_end = join_plain_end(std::move(pipe), ec);
  if (!plain_end) co_return "no socketpair for the TLS pipe: " + ec.message();
  upstream = std::move(*plain_end);
  co_return "";
}

}  // namespace

awaitable<void> proxy(GatewayNode& node, tcp::socket client, beast::flat_buffer client_buffer,
                      http::request<http::empty_body> request, const Decision& decision,
                      ClientTransport transport) {
  UpstreamSetupCount counted(node);
  bool local = decision.kind == Decision::Kind::proxy_local;
  std::shared_ptr<BackendPool> pool = node.backends;  // a reload during the connect must not free the group
  BackendGroup* group = upstream_group(decision, sv(request.target()), *pool, node.unit_gateways);
  // (Answers are named locals before any co_await: GCC 12 mishandles some
  // temporaries that live across a suspension.)
  if (!group) {
    Answer answer = no_route(sv(request.target()));
    co_await send_answer(node, client, answer);
    co_return;
  }
  tcp::socket upstream(node.io);
  UpstreamChoice choice(*group, decision.router_id, node.now());
  error_code local_failure;
  bool connected = co_await connect_upstream(node, choice, upstream, local_failure);
  if (!connected && local_failure) {
    Answer answer = out_of_descriptors(local_failure.message(), node.config.limits.retry_after);
    co_await send_answer(node, client, answer);
    co_return;
  }
  if (!connected) {
    Answer answer = no_upstream_answered(decision, choice.tried());
    co_await send_answer(node, client, answer);
    co_return;
  }
  // Another unit's gateway (tls.gateways_ca) or a backend (tls.backends_ca)
  // that listens in TLS only: the rest of the way goes through a TLS pipe,
  // and the upstream socket is its plain end. Without them: no extra work.
  if (std::shared_ptr<tls::Context>& upstream_tls = local ? node.backends_tls : node.gateways_tls) {
    error_code ec;
    const std::string host = upstream.remote_endpoint(ec).address().to_string();
    std::string failure = co_await upstream_over_tls(node, upstream_tls, upstream, host);
    if (!failure.empty()) {
      Answer answer = upstream_handshake_failed(decision, failure);
      co_await send_answer(node, client, answer);
      co_return;
    }
  }
  mark_forwarded(node, client, transport, request, local);
  error_code ec;
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
    Answer answer = upstream_handshake_failed(decision, ec.message());
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
  RelayStart start{std::move(client),       std::move(upstream),       decision.unit,      decision.slot,
                   bytes_of(client_buffer), bytes_of(upstream_buffer), negotiated_extensions(response),
                   transport.tcp_descriptor};
  start_relay(node, std::move(start));
}

}  // namespace wsfo::gateway

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
