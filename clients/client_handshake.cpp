// One attempt of a client: TCP connect (and TLS for wss://), the HTTP
// upgrade and its answer, and the 30x followed by hand, as the seed's
// Node.js client does in its `unexpected-response` handler. What an answer
// means (open, follow, loop, too many hops, refusal) is core's Attempt
// machine's call, which the SimGrid model drives too.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>

#include "clients/client.hpp"
#include "clients/fleet_worker.hpp"
#include "core/clients/attempt.hpp"
#include "process/live_clock.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// in this file's coroutines (asio's frame operator new/delete do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::clients {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

std::string_view view_of(beast::string_view text) { return std::string_view(text.data(), text.size()); }

}  // namespace

awaitable<bool> Client::attempt(std::optional<Nanos>& retry_after, beast::flat_buffer& buffer) {
  const auto& options = worker_.options();
  auto& summary = worker_.summary();
  WsUrl url = options.url;
  Attempt machine(options.max_redirects, options.browser ? Redirects::refuse : Redirects::follow);
  machine.start();
  ++attempts_;
  ++summary.attempts;
  for (;;) {
    Response response;
    buffer.clear();
    std::int64_t hop_started = process::LiveClock::now_ns();
    Step step = co_await hop(url, machine, response, buffer);
    if (stopping_) co_return false;
    switch (step.kind) {
      case Step::Kind::open:
        on_open(url, response, hop_started, machine.redirects());
        co_return true;
      case Step::Kind::follow:
        ++summary.redirects;
        worker_.verbose().redirecting(router_id_, url.text(), step.next.text());
        if (worker_.sink().wants_events()) {
          auto from = url.text(), to = step.next.text();
          worker_.sink().write(worker_.stamp(router_id_),
                               history::RedirectRecord{from, to, static_cast<std::uint64_t>(step.status)});
        }
        url = std::move(step.next);
        continue;
      case Step::Kind::fail:
        retry_after = step.failure.retry_after;
        report_rejected(url, step.failure, machine.redirects());
        co_return false;
    }
  }
}

void Client::report_rejected(const WsUrl& url, const AttemptFailure& failure, int redirects) {
  auto error = to_string(failure.error);
  ++worker_.summary().rejected[std::string(error)];
  worker_.verbose().failed(router_id_, failure.reason);
  if (!worker_.sink().wants_events()) return;
  auto url_text = url.text();
  history::RejectedRecord record;
  record.url = url_text;
  record.error = error;
  record.reason = failure.reason;
  record.status = static_cast<std::uint64_t>(failure.status);
  if (failure.retry_after) record.retry_after_ns = failure.retry_after->count();
  record.redirects = static_cast<std::uint64_t>(redirects);
  worker_.sink().write(worker_.stamp(router_id_), record);
}

// One hop: TCP connect, the TLS handshake of a wss:// url, the HTTP upgrade
// written and its answer read, all within handshake_timeout, and what the
// attempt machine makes of it.
awaitable<Step> Client::hop(const WsUrl& url, Attempt& machine, Response& response, beast::flat_buffer& buffer) {
  const auto& options = worker_.options();
  const bool first = machine.redirects() == 0;
  using E = AttemptError;
  auto address = options.names.pick(url.host, url.port, rng_.next());
  auto peer = address ? to_string(*address) : std::string();
  if (first) report_attempt(url, peer);
  if (!address) co_return Attempt::on_failure(E::unresolvable, unresolvable_reason(url.host));
  error_code ec;
  auto ip = net::ip::make_address(address->ip, ec);
  if (ec) co_return Attempt::on_failure(E::unresolvable, "'" + address->ip + "' is not an IP address");
  tcp::endpoint endpoint(ip, address->port);

  phase_ = Phase::connecting;
  error_code ignored;
  tls_.reset();
  socket_.close(ignored);
  socket_.open(endpoint.protocol(), ec);
  if (ec) co_return Attempt::on_failure(E::connect_failed, "socket: " + ec.message());
  socket_.set_option(tcp::no_delay(true), ignored);
  // A source address of the pool, so that thousands of clients do not run out of ephemeral ports:
  // a loopback pool for loopback targets, a pool of routable addresses (a testbed's) for the others.
  auto source = options.sources ? net::ip::address_v4(options.sources->address(index_ + attempts_ * 7919u))
                                : net::ip::address_v4();
  if (options.sources && ip.is_v4() && ip.to_v4().is_loopback() == source.is_loopback()) {
    int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket_.bind(tcp::endpoint(source, 0), ec);
    if (ec) co_return Attempt::on_failure(E::bind_failed, "bind to " + source.to_string() + ": " + ec.message());
  }
  connect_timed_out_ = false;
  arm_connect_watchdog();
  co_await socket_.async_connect(endpoint, net::redirect_error(use_awaitable, ec));
  if (stopping_) co_return Attempt::on_failure(E::shutdown, "stopped");
  if (ec) {
    if (connect_timed_out_)
      co_return Attempt::on_failure(E::connect_timeout,
                                    timeout_reason(E::connect_timeout, peer, options.handshake_timeout));
    if (ec == net::error::connection_refused) co_return Attempt::on_failure(E::refused, refused_reason(peer));
    co_return Attempt::on_failure(E::connect_failed, connect_failed_reason(peer, ec.message()));
  }
  if (url.scheme == "wss") {
    if (auto failure = co_await start_tls(url, peer)) co_return std::move(*failure);
  }
  bool header_read = false;
  websocket::detail::sec_ws_key_type key;
  websocket::detail::make_sec_ws_key(key);
  {
    http::request<http::empty_body> request{http::verb::get, target_for(url), 11};
    request.set(http::field::host, url.host_header());
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::sec_websocket_key, key);
    request.set(http::field::sec_websocket_version, "13");
    request.set(http::field::user_agent, "wsfo-clients");
    if (options.cookie_mode) {
      request.set(http::field::cookie, "routerId=" + std::to_string(router_id_));
    } else if (!options.query_mode) {
      request.set("routerId", std::to_string(router_id_));
      request.set("unitType", options.unit_type);
    }
    if (options.browser) request.set(http::field::origin, browser_origin(options.url));
    if (tls_)
      co_await http::async_write(*tls_, request, net::redirect_error(use_awaitable, ec));
    else
      co_await http::async_write(socket_, request, net::redirect_error(use_awaitable, ec));
  }
  if (!ec) {
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    if (tls_)
      co_await http::async_read_header(*tls_, buffer, parser, net::redirect_error(use_awaitable, ec));
    else
      co_await http::async_read_header(socket_, buffer, parser, net::redirect_error(use_awaitable, ec));
    header_read = !ec;
    // A refusal's body explains it; a 101 has none and is followed by frames.
    if (!ec && parser.get().result_int() != 101 && !parser.is_done()) {
      if (tls_)
        co_await http::async_read(*tls_, buffer, parser, net::redirect_error(use_awaitable, ec));
      else
        co_await http::async_read(socket_, buffer, parser, net::redirect_error(use_awaitable, ec));
    }
    response = parser.release();
  }
  if (auto ended = watchdog_ended(peer)) co_return *ended;
  if (ec && !header_read) {
    if (ec.category() == error_code(http::error::bad_version).category())
      co_return Attempt::on_failure(E::bad_http, garbage_answer_reason(peer, ec.message()));
    co_return Attempt::on_failure(
        E::bad_http, "handshake with " + peer + ": the connection ended before an answer (" + ec.message() + ")");
  }
  Answer answer;
  answer.status = response.result_int();
  if (answer.status == 101) {
    websocket::detail::sec_ws_accept_type accept;
    websocket::detail::make_sec_ws_accept(accept, key);
    auto upgrade = response[http::field::upgrade];
    if (!beast::iequals(upgrade, "websocket"))
      co_return Attempt::on_failure(E::bad_handshake, "handshake with " + peer + ": 101 without Upgrade: websocket");
    if (response[http::field::sec_websocket_accept] != beast::string_view(accept.data(), accept.size()))
      co_return Attempt::on_failure(E::bad_handshake, "handshake with " + peer + ": wrong Sec-WebSocket-Accept");
  }
  answer.reason_phrase = view_of(response.reason());
  answer.body = response.body();
  answer.location = view_of(response[http::field::location]);
  if (auto it = response.find(http::field::retry_after); it != response.end())
    answer.retry_after = parse_retry_after(view_of(it->value()));
  co_return machine.on_answer(url, answer);
}

void Client::report_attempt(const WsUrl& url, std::string_view address) {
  if (!worker_.sink().wants_events()) return;
  auto url_text = url.text();
  worker_.sink().write(worker_.stamp(router_id_), history::AttemptRecord{url_text, address, attempts_});
}

void Client::arm_connect_watchdog() {
  auto generation = ++timer_generation_;
  timer_.expires_after(worker_.options().handshake_timeout);
  timer_.async_wait([this, generation](error_code ec) {
    if (ec || generation != timer_generation_ || phase_ != Phase::connecting) return;
    connect_timed_out_ = true;
    cut();
  });
}

void Client::on_open(const WsUrl& url, const Response& response, std::int64_t hop_started, int redirects) {
  auto now = process::LiveClock::now_ns();
  phase_ = Phase::open;
  ++connection_generation_;
  opened_ns_ = last_heard_ns_ = now;
  handshake_ns_ = now - hop_started;
  redirects_ = static_cast<std::uint8_t>(redirects);
  policy_.on_connected();
  auto& summary = worker_.summary();
  ++summary.connected;
  summary.handshake_latency.add(Nanos(handshake_ns_));
  if (disconnected_ns_ != 0) summary.reconnect_latency.add(Nanos(now - disconnected_ns_));
  worker_.connection_opened();
  if (auto it = response.find("X-Wsfo-Unit"); it != response.end()) unit_ = std::string(it->value());
  if (auto it = response.find("X-Wsfo-Node"); it != response.end()) node_ = std::string(it->value());
  worker_.verbose().connected(router_id_);
  if (worker_.sink().wants_events()) {
    pending_connected_ = true;
    url_text_ = url.text();
    auto it = response.find("X-Wsfo-Backend");
    backend_name_ = it != response.end() ? std::string(it->value()) : std::string();
  }
}

// The watchdog is done with this handshake step: the attempt ends here when
// the fleet is stopping or the step ran out of time.
std::optional<Step> Client::watchdog_ended(const std::string& peer) {
  using E = AttemptError;
  ++timer_generation_;
  timer_.cancel();
  if (stopping_) return Attempt::on_failure(E::shutdown, "stopped");
  if (connect_timed_out_)
    return Attempt::on_failure(E::handshake_timeout,
                               timeout_reason(E::handshake_timeout, peer, worker_.options().handshake_timeout));
  return std::nullopt;
}

std::string Client::target_for(const WsUrl& url) const {
  if (!worker_.options().query_mode) return url.target;
  std::string target = url.target;
  // A Location that already carries routerId (the gateway keeps the query)
  // is sent as it is.
  if (target.find("routerId=") != std::string::npos) return target;
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += "routerId=" + std::to_string(router_id_);
  return target;
}

}  // namespace wsfo::clients
