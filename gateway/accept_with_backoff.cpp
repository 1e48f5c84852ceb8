#include "gateway/accept_with_backoff.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wsfo::gateway {

net::awaitable<std::optional<tcp::socket>> accept_with_backoff(GatewayNode& node, tcp::acceptor& acceptor,
                                                               AcceptBackoff& backoff, net::steady_timer& pause,
                                                               std::string_view what, bool count_failures) {
  using net::use_awaitable;
  while (acceptor.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(net::redirect_error(use_awaitable, ec));
    if (!acceptor.is_open()) co_return std::nullopt;
    if (ec) {  // e.g. out of descriptors: wait, never spin
      if (count_failures) node.metrics.accept_failed(AcceptBackoff::reason(ec));
      AcceptBackoff::Step step = backoff.failed(std::chrono::steady_clock::now());
      if (step.log)
        log_line(node) << what << "accept failed: " << ec.message() << " (" << step.failures
                       << " failure(s) in this line); retrying in " << step.wait.count() << "ms\n";
      pause.expires_after(step.wait);
      co_await pause.async_wait(net::redirect_error(use_awaitable, ec));
      continue;
    }
    if (backoff.succeeded(std::chrono::steady_clock::now())) log_line(node) << what << "accepting again\n";
    co_return std::move(socket);
  }
  co_return std::nullopt;
}

}  // namespace wsfo::gateway
