#include "gateway/answer_writer.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include "gateway/socket_deadline.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// of coroutines with external linkage (asio's frame operator new and delete
// do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::gateway {

namespace http = boost::beast::http;

net::awaitable<void> lingering_close(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  Deadline deadline(socket, std::chrono::milliseconds(500));
  std::array<char, 4096> sink;
  for (std::size_t total = 0; !ec && total < (1u << 20);) {
    total += co_await socket.async_read_some(net::buffer(sink), net::redirect_error(net::use_awaitable, ec));
  }
  socket.close(ec);
}

net::awaitable<void> send_answer(GatewayNode& node, tcp::socket& socket, const Answer& answer) {
  if (answer.refusal)
    node.metrics.handshake(Metrics::Outcome::rejected, label(*answer.refusal));
  else
    node.metrics.handshake(Metrics::Outcome::redirected);
  http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
  response.reason(bsv(answer.phrase()));
  response.set(http::field::server, "wsfo-gateway");
  response.set(bsv(kUnitHeader), node.config.unit);
  response.set(bsv(kNodeHeader), node.config.node);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  for (const auto& [name, value] : answer.header_fields()) response.set(name, value);
  response.keep_alive(false);
  response.body() = answer.body + "\n";
  response.prepare_payload();
  boost::system::error_code ec;
  {
    Deadline deadline(socket, node.config.limits.handshake_timeout);
    co_await http::async_write(socket, response, net::redirect_error(net::use_awaitable, ec));
  }
  co_await lingering_close(socket);
}

}  // namespace wsfo::gateway

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
