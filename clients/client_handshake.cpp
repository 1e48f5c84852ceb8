// One attempt of a client: TCP connect, the HTTP upgrade and its answer, and
// the 30x followed by hand (hop limit, loop detection), as the seed's Node.js
// client does in its `unexpected-response` handler.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <charconv>

#include "clients/client.hpp"
#include "clients/fleet_worker.hpp"
#include "clients/monotonic_clock.hpp"
#include "core/clients/redirect_follower.hpp"

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

std::string one_line(std::string_view text, std::size_t limit = 200) {
  std::string line(text.substr(0, text.find_first_of("\r\n")));
  if (line.size() > limit) line = line.substr(0, limit) + "...";
  return line;
}

std::optional<Nanos> parse_retry_after(std::string_view value) {
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0 || seconds > 86400) return std::nullopt;
  return std::chrono::seconds(seconds);
}

}  // namespace

awaitable<bool> Client::attempt(std::optional<Nanos>& retry_after, beast::flat_buffer& buffer) {
  const auto& options = worker_.options();
  auto& summary = worker_.summary();
  WsUrl url = options.url;
  RedirectFollower follower(options.max_redirects);
  follower.start(url);
  ++attempts_;
  ++summary.attempts;
  if (worker_.sink().wants_events()) {
    auto e = worker_.event("attempt", router_id_);
    e.fields = {{"url", url.text()}, {"attempt", attempts_}};
    worker_.sink().write(e);
  }
  for (;;) {
    Response response;
    buffer.clear();
    std::int64_t hop_started = monotonic_ns();
    auto failure = co_await hop(url, response, buffer);
    if (stopping_) co_return false;
    if (!failure) {
      on_open(url, response, hop_started, follower.hops());
      co_return true;
    }
    int status = failure->status;
    if (status / 100 == 3 && status != 304) {
      auto location = response[http::field::location];
      auto decision = follower.on_redirect(url, std::string_view(location.data(), location.size()));
      using Verdict = RedirectFollower::Decision::Verdict;
      if (decision.verdict == Verdict::follow) {
        ++summary.redirects;
        worker_.verbose().redirecting(router_id_, url.text(), decision.next.text());
        if (worker_.sink().wants_events()) {
          auto e = worker_.event("redirect", router_id_);
          e.fields = {{"from", url.text()}, {"to", decision.next.text()}, {"status", status}};
          worker_.sink().write(e);
        }
        url = std::move(decision.next);
        continue;
      }
      failure->error = decision.verdict == Verdict::loop            ? "redirect_loop"
                       : decision.verdict == Verdict::too_many_hops ? "too_many_redirects"
                                                                    : "bad_location";
      failure->reason = decision.reason;
    }
    retry_after = failure->retry_after;
    report_rejected(url, *failure);
    co_return false;
  }
}

void Client::report_rejected(const WsUrl& url, const Failure& failure) {
  ++worker_.summary().rejected[failure.error];
  worker_.verbose().failed(router_id_, failure.reason);
  if (!worker_.sink().wants_events()) return;
  auto e = worker_.event("rejected", router_id_);
  e.fields = {{"url", url.text()}, {"error", failure.error}, {"reason", failure.reason}};
  if (failure.status) e.fields["status"] = failure.status;
  if (failure.retry_after) e.fields["retry_after_ns"] = failure.retry_after->count();
  worker_.sink().write(e);
}

// One hop: TCP connect, the HTTP upgrade written and its answer read, all
// within handshake_timeout. nullopt when the WebSocket is open.
awaitable<std::optional<Failure>> Client::hop(const WsUrl& url, Response& response, beast::flat_buffer& buffer) {
  const auto& options = worker_.options();
  if (url.scheme == "wss")
    co_return Failure{"unsupported", "wss:// is not supported (this harness has no TLS): " + url.text()};
  auto address = options.names.pick(url.host, url.port, rng_.next());
  if (!address)
    co_return Failure{"unresolvable",
                      "cannot resolve '" + url.host + "': not in the --resolve map and not a numeric address"};
  error_code ec;
  auto ip = net::ip::make_address(address->ip, ec);
  if (ec) co_return Failure{"unresolvable", "'" + address->ip + "' is not an IP address"};
  tcp::endpoint endpoint(ip, address->port);
  auto peer = to_string(*address);

  phase_ = Phase::connecting;
  error_code ignored;
  socket_.close(ignored);
  socket_.open(endpoint.protocol(), ec);
  if (ec) co_return Failure{"connect_failed", "socket: " + ec.message()};
  socket_.set_option(tcp::no_delay(true), ignored);
  // A source address of the pool, so that thousands of clients do not run out of ephemeral ports.
  if (options.sources && ip.is_v4() && ip.to_v4().is_loopback()) {
    int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    auto source = net::ip::address_v4(options.sources->address(index_ + attempts_ * 7919u));
    socket_.bind(tcp::endpoint(source, 0), ec);
    if (ec) co_return Failure{"bind_failed", "bind to " + source.to_string() + ": " + ec.message()};
  }
  connect_timed_out_ = false;
  arm_connect_watchdog();
  auto timeout_text = ms_text(options.handshake_timeout);
  co_await socket_.async_connect(endpoint, net::redirect_error(use_awaitable, ec));
  if (stopping_) co_return Failure{"shutdown", "stopped"};
  if (ec) {
    if (connect_timed_out_)
      co_return Failure{"connect_timeout", "connect to " + peer + ": no answer within " + timeout_text + " ms"};
    bool refused = ec == net::error::connection_refused;
    co_return Failure{refused ? "refused" : "connect_failed", "connect to " + peer + ": " + ec.message()};
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
    if (!options.query_mode) {
      request.set("routerId", std::to_string(router_id_));
      request.set("unitType", options.unit_type);
    }
    co_await http::async_write(socket_, request, net::redirect_error(use_awaitable, ec));
  }
  if (!ec) {
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    co_await http::async_read_header(socket_, buffer, parser, net::redirect_error(use_awaitable, ec));
    header_read = !ec;
    // A refusal's body explains it; a 101 has none and is followed by frames.
    if (!ec && parser.get().result_int() != 101 && !parser.is_done())
      co_await http::async_read(socket_, buffer, parser, net::redirect_error(use_awaitable, ec));
    response = parser.release();
  }
  ++timer_generation_;
  timer_.cancel();
  if (stopping_) co_return Failure{"shutdown", "stopped"};
  if (connect_timed_out_)
    co_return Failure{"handshake_timeout", "handshake with " + peer + ": no answer within " + timeout_text + " ms"};
  if (ec && !header_read) {
    if (ec.category() == error_code(http::error::bad_version).category())
      co_return Failure{"bad_http", "garbage HTTP answer from " + peer + ": " + ec.message()};
    co_return Failure{"bad_http",
                      "handshake with " + peer + ": the connection ended before an answer (" + ec.message() + ")"};
  }
  int status = response.result_int();
  if (status != 101) {
    Failure failure{"http_status", "HTTP " + std::to_string(status) + " " + std::string(response.reason())};
    failure.status = status;
    if (!response.body().empty()) failure.reason += ": " + one_line(response.body());
    if (auto it = response.find(http::field::retry_after); it != response.end())
      failure.retry_after = parse_retry_after(std::string_view(it->value().data(), it->value().size()));
    co_return failure;
  }
  websocket::detail::sec_ws_accept_type accept;
  websocket::detail::make_sec_ws_accept(accept, key);
  auto upgrade = response[http::field::upgrade];
  if (!beast::iequals(upgrade, "websocket"))
    co_return Failure{"bad_handshake", "handshake with " + peer + ": 101 without Upgrade: websocket"};
  if (response[http::field::sec_websocket_accept] != beast::string_view(accept.data(), accept.size()))
    co_return Failure{"bad_handshake", "handshake with " + peer + ": wrong Sec-WebSocket-Accept"};
  co_return std::nullopt;
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
  auto now = monotonic_ns();
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
