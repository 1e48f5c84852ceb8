#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <iostream>

#include "simulator/backend/backend_server.hpp"
#include "simulator/backend/backend_session.hpp"
#include "tls/contexts.hpp"

namespace wsfo::backend {

namespace {

using namespace std::chrono_literals;
constexpr auto kShutdownGrace = 2s;
constexpr auto kHttpReadTimeout = 30s;
constexpr auto kTlsHandshakeTimeout = 10s;

// co_spawn completion: a coroutine that escapes with an exception is a bug
// worth a line, not a silent disappearance.
void log_escape(std::exception_ptr escaped) {
  if (!escaped) return;
  try {
    std::rethrow_exception(escaped);
  } catch (const std::exception& e) {
    std::cerr << "wsfo backend: unexpected error: " << e.what() << "\n";
  }
}

ConnectionOrigin origin_of(const http::request<http::string_body>& request) {
  auto header = [&request](std::string_view name) -> std::optional<std::string> {
    auto it = request.find(beast::string_view(name.data(), name.size()));
    if (it == request.end()) return std::nullopt;
    return std::string(it->value());
  };
  auto router_id = header("routerId");
  auto node = header("X-Wsfo-Node");
  return {router_id_key(router_id ? &*router_id : nullptr), node ? *node : std::string(kNoHeaderKey)};
}

http::response<http::string_body> answer_plain_http(const http::request<http::string_body>& request, const Hub& hub) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::server, "wsfo-backend");
  response.set(http::field::content_type, "text/plain");
  beast::string_view target = request.target();
  auto path = target.substr(0, target.find('?'));
  if (path == "/stats" && (request.method() == http::verb::get || request.method() == http::verb::head)) {
    response.result(http::status::ok);
    response.set(http::field::content_type, "application/json");
    response.body() = hub.stats.to_json() + "\n";
  } else if (path == "/stats") {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.body() = "only GET /stats\n";
  } else if (request.method() == http::verb::get) {
    response.result(http::status::upgrade_required);
    response.set(http::field::upgrade, "websocket");
    response.body() = "this is a WebSocket endpoint; GET /stats for statistics\n";
  } else {
    response.result(http::status::not_found);
    response.body() = "not found: WebSocket upgrade on any path, or GET /stats\n";
  }
  response.prepare_payload();
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

// One accepted connection (TCP, or TLS after its handshake): HTTP requests
// until it asks to upgrade.
template <class Stream>
net::awaitable<void> serve_connection(Stream stream, Hub& hub) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    http::request<http::string_body> request;
    beast::get_lowest_layer(stream).expires_after(kHttpReadTimeout);
    co_await http::async_read(stream, buffer, request, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return report_error(hub.options.label, "http read", ec);
    if (websocket::is_upgrade(request) && !hub.shutting_down) {
      beast::get_lowest_layer(stream).expires_never();
      auto origin = origin_of(request);
      std::string path(request.target());
      auto session =
          std::make_shared<StreamSession<Stream>>(std::move(stream), hub, std::move(origin), std::move(path));
      co_await session->run(std::move(request));
      co_return;
    }
    auto response = answer_plain_http(request, hub);
    if (hub.shutting_down) {
      response.result(http::status::service_unavailable);
      response.keep_alive(false);
    }
    co_await http::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return report_error(hub.options.label, "http write", ec);
    if (!response.keep_alive()) break;
  }
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    beast::get_lowest_layer(stream).expires_after(kTlsHandshakeTimeout);
    co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
  } else {
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

// A TLS listener's connection: the handshake, bounded in time, then HTTP as
// on a plain one. A failed handshake ends only this connection; it is counted
// in GET /stats and logged at the 1st, 2nd, 4th, 8th... failure, so a flood
// of bad clients does not flood the log.
net::awaitable<void> serve_tls(tcp::socket socket, Hub& hub, tls::Context& context) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  TlsStream stream(std::move(socket), context);
  beast::get_lowest_layer(stream).expires_after(kTlsHandshakeTimeout);
  co_await stream.async_handshake(net::ssl::stream_base::server, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    const std::uint64_t count = hub.stats.tls_handshake_failed();
    if ((count & (count - 1)) == 0)
      std::cerr << "wsfo backend " << hub.options.label << ": TLS handshake from " << peer.address().to_string()
                << " failed: "
                << (ec == beast::error::timeout ? std::string("timed out") : tls::describe_failure(ec, nullptr)) << " ("
                << count << " so far)\n";
    co_return;
  }
  co_await serve_connection(std::move(stream), hub);
}

class BackendServer {
 public:
  explicit BackendServer(const BackendOptions& options)
      : hub_(options), acceptor_(io_), signals_(io_, SIGTERM, SIGINT), ticker_(io_), crash_timer_(io_) {}

  int run(std::ostream& ready_out) {
    if (!start_tls() || !listen()) return 2;  // could not start (README.md, "Exit codes")
    const auto local = acceptor_.local_endpoint();
    ready_out << "ready " << format_host_port(local.address().to_string(), local.port()) << std::endl;
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) net::co_spawn(io_, shut_down(), log_escape);
    });
    net::co_spawn(io_, accept_loop(), log_escape);
    if (hub_.options.interval.count() > 0) net::co_spawn(io_, broadcast_sequence(), log_escape);
    if (hub_.options.crash_after) arm_crash(*hub_.options.crash_after);
    io_.run();
    return 0;
  }

 private:
  // With a certificate and key the listener speaks TLS only; a file OpenSSL
  // cannot load, or a key that does not match, is one line and no listener.
  bool start_tls() {
    const BackendOptions& options = hub_.options;
    if (options.tls_certificate_file.empty()) return true;
    std::string error;
    tls_ = tls::server_context({options.tls_certificate_file, options.tls_key_file, "1.2"}, error);
    if (!tls_) std::cerr << "wsfo backend: cannot start TLS: " << error << "\n";
    return tls_ != nullptr;
  }

  bool listen() {
    const auto& where = hub_.options.listen;
    tcp::endpoint endpoint(net::ip::make_address(where.host), where.port);
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      std::cerr << "wsfo backend: cannot listen on " << format_host_port(where.host, where.port) << ": " << ec.message()
                << "\n";
    return !ec;
  }

  net::awaitable<void> accept_loop() {
    boost::system::error_code ec;
    net::steady_timer backoff(io_);
    for (;;) {
      tcp::socket socket = co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (hub_.shutting_down) co_return;
      if (ec) {
        report_error(hub_.options.label, "accept", ec);
        backoff.expires_after(100ms);  // e.g. out of descriptors: do not spin
        co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      // A message Beast splits into frames must not wait for a delayed ACK
      // before its last frame (tens of ms per message over about 4 KiB).
      socket.set_option(tcp::no_delay(true), ec);
      if (tls_)
        net::co_spawn(io_, serve_tls(std::move(socket), hub_, *tls_), log_escape);
      else
        net::co_spawn(io_, serve_connection(PlainStream(std::move(socket)), hub_), log_escape);
    }
  }

  // `<seq>:<label>` every interval, on a fixed schedule (no drift).
  net::awaitable<void> broadcast_sequence() {
    const auto& options = hub_.options;
    boost::system::error_code ec;
    auto next = net::steady_timer::clock_type::now();
    for (std::uint64_t seq = 1;; ++seq) {
      next += std::chrono::duration_cast<net::steady_timer::duration>(options.interval);
      ticker_.expires_at(next);
      co_await ticker_.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (ec || hub_.shutting_down) co_return;
      auto text = pad_to_size(std::to_string(seq) + ":" + options.label, options.message_size);
      hub_.broadcast(std::make_shared<const std::string>(std::move(text)));
      hub_.stats.broadcast_sent(seq);
    }
  }

  void arm_crash(std::chrono::nanoseconds after) {
    crash_timer_.expires_after(std::chrono::duration_cast<net::steady_timer::duration>(after));
    crash_timer_.async_wait([label = hub_.options.label](const boost::system::error_code& ec) {
      if (ec) return;
      std::cerr << "wsfo backend " << label << ": crashing as scripted (--crash-after)\n";
      ::_exit(kCrashExitStatus);  // no destructors, no close frames: clients see the TCP connection drop
    });
  }

  // Stop accepting, say goodbye (1001) to every client, and stop when they are
  // all gone or the grace period is over.
  net::awaitable<void> shut_down() {
    hub_.shutting_down = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    ticker_.cancel();
    crash_timer_.cancel();
    hub_.close_all(websocket::close_code::going_away);
    net::steady_timer poll(io_);
    const auto deadline = net::steady_timer::clock_type::now() + kShutdownGrace;
    while (!hub_.empty() && net::steady_timer::clock_type::now() < deadline) {
      poll.expires_after(10ms);
      co_await poll.async_wait(net::redirect_error(net::use_awaitable, ignored));
    }
    if (!hub_.empty())
      std::cerr << "wsfo backend " << hub_.options.label << ": " << hub_.sessions.size()
                << " clients did not finish the close handshake in time\n";
    io_.stop();
  }

  // Declaration order matters: the hub must outlive the io_context, whose
  // destruction releases the last references to sessions.
  Hub hub_;
  net::io_context io_{1};
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  net::steady_timer ticker_;
  net::steady_timer crash_timer_;
  std::shared_ptr<tls::Context> tls_;  // set with --tls-certificate: every connection is TLS
};

}  // namespace

int run_backend(const BackendOptions& options, std::ostream& ready_out) {
  BackendServer server(options);
  return server.run(ready_out);
}

}  // namespace wsfo::backend
