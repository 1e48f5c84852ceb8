// The admin HTTP server: a small keep-alive HTTP/1.1 loop on its own
// address; what each request does is in admin_routes.cpp.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "gateway/accept_backoff.hpp"
#include "gateway/accept_with_backoff.hpp"
#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;

namespace {

constexpr auto kAdminIdleTimeout = std::chrono::seconds(30);

awaitable<void> serve_admin_connection(GatewayNode& node, tcp::socket socket) {
  beast::flat_buffer buffer;
  net::steady_timer timer(socket.get_executor());
  net::steady_timer delay(socket.get_executor());
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(4 * 1024 * 1024);
    error_code ec;
    bool expired = false;
    timer.expires_after(kAdminIdleTimeout);
    timer.async_wait([&socket, &expired](const error_code& e) {
      if (e) return;
      expired = true;
      error_code ignored;
      socket.cancel(ignored);
    });
    co_await http::async_read(socket, buffer, parser, net::redirect_error(use_awaitable, ec));
    timer.cancel();
    if (ec == http::error::end_of_stream || expired || node.admin_unreachable) break;
    if (node.admin_delay.count() > 0) {  // an admin API fault: answer late
      delay.expires_after(node.admin_delay);
      error_code waited;
      co_await delay.async_wait(net::redirect_error(use_awaitable, waited));
      if (node.admin_unreachable) break;
    }
    AdminReply reply;
    bool keep_alive = false;
    if (ec) {
      reply = AdminReply{
          400, "application/json", json::Json{{"error", "malformed HTTP request: " + ec.message()}}.dump(), {}};
    } else {
      const auto& request = parser.get();
      keep_alive = request.keep_alive();
      auto authorization = request[http::field::authorization];
      reply = node.handle_admin(AdminRequest{std::string(request.method_string()), std::string(request.target()),
                                             std::string(authorization), request.body()});
    }
    http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
    response.set(http::field::server, "wsfo-gateway-admin");
    response.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    response.keep_alive(keep_alive);
    response.body() = std::move(reply.body);
    response.prepare_payload();
    co_await http::async_write(socket, response, net::redirect_error(use_awaitable, ec));
    if (ec || !keep_alive || node.admin_unreachable) break;
  }
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
  // The timer handler captured references into this frame: let a cancelled
  // wait run before the frame goes away.
  timer.expires_after(std::chrono::milliseconds(0));
  error_code waited;
  co_await timer.async_wait(net::redirect_error(use_awaitable, waited));
}

awaitable<void> admin_accept_loop(GatewayNode& node, std::shared_ptr<tcp::acceptor> acceptor) {
  net::steady_timer pause(node.io);
  AcceptBackoff backoff;
  while (auto accepted = co_await accept_with_backoff(node, *acceptor, backoff, pause, "admin ", false)) {
    net::co_spawn(node.io, serve_admin_connection(node, std::move(*accepted)), [&node](std::exception_ptr failure) {
      if (!failure) return;
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        log_line(node) << "admin connection failed: " << e.what() << "\n";
      }
    });
  }
}

}  // namespace

void GatewayNode::make_admin_unreachable() {
  admin_unreachable = true;
  net::post(io, [this] {
    error_code ignored;
    if (admin_acceptor) admin_acceptor->close(ignored);
    log_line(*this) << "admin API unreachable (fault): its listener is closed\n";
  });
}

void GatewayNode::restore_admin() {
  admin_delay = std::chrono::milliseconds(0);
  if (!admin_unreachable) return void(log_line(*this) << "admin API restored: answering promptly\n");
  admin_unreachable = false;
  std::string error = open_admin();
  log_line(*this) << "admin API restored: " << (error.empty() ? "listening again on " + config.admin.text() : error)
                  << "\n";
}

std::string GatewayNode::open_admin() {
  error_code ec;
  tcp::endpoint endpoint(net::ip::make_address(config.admin.host, ec), config.admin.port);
  if (admin_acceptor && admin_endpoint.port() != 0) endpoint = admin_endpoint;  // reopened: the port it had
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  if (!ec) acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen (admin) on " + config.admin.text() + ": " + ec.message();
  admin_endpoint = acceptor->local_endpoint();
  admin_acceptor = acceptor;
  net::co_spawn(io, admin_accept_loop(*this, acceptor), [](std::exception_ptr) {});
  return {};
}

}  // namespace wsfo::gateway
