#include "gateway/tls_pipe.hpp"

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "gateway/socket_deadline.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// of coroutines with external linkage (asio's frame operator new and delete
// do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::gateway {

using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;
using Local = net::local::stream_protocol::socket;

// What the peer sends goes to the plain path; when the peer ends, the plain
// path sees the end of its stream.
awaitable<void> TlsPipe::from_peer(std::shared_ptr<TlsPipe> self) {
  TlsPipe& f = *self;
  error_code ec;
  for (;;) {
    std::size_t n = co_await f.tls.async_read_some(net::buffer(f.from_buffer), net::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await net::async_write(f.inner, net::buffer(f.from_buffer.data(), n), net::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  f.inner.shutdown(Local::shutdown_send, ec);
  f.reading = false;
  f.wake.cancel();
}

// What the plain path writes goes to the peer; once the plain path closes
// its end (an answer written, or the relay finished), the peer gets a
// close_notify and the TCP connection ends. The TCP socket stays open until
// then, as the relay may reset it (an orphan's client).
awaitable<void> TlsPipe::to_peer(std::shared_ptr<TlsPipe> self) {
  TlsPipe& f = *self;
  error_code ec;
  bool peer_gone = false;
  for (;;) {
    std::size_t n = co_await f.inner.async_read_some(net::buffer(f.to_buffer), net::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await net::async_write(f.tls, net::buffer(f.to_buffer.data(), n), net::redirect_error(use_awaitable, ec));
    if (ec) {
      peer_gone = true;
      break;
    }
  }
  // An SSL stream takes one read at a time, and the shutdown reads the
  // peer's close_notify: stop the copy's read first.
  tcp::socket& socket = f.tls.next_layer();
  if (f.reading) {
    socket.cancel(ec);
    f.wake.expires_after(f.node.config.limits.close_timeout);
    co_await f.wake.async_wait(net::redirect_error(use_awaitable, ec));
  }
  if (!peer_gone && !f.reading) {
    Deadline deadline(socket, f.node.config.limits.close_timeout);
    co_await f.tls.async_shutdown(net::redirect_error(use_awaitable, ec));
  }
  socket.close(ec);
  f.inner.close(ec);
}

std::optional<tcp::socket> join_plain_end(std::shared_ptr<TlsPipe> pipe, error_code& ec) {
  Local plain_end(pipe->node.io);
  net::local::connect_pair(pipe->inner, plain_end, ec);
  tcp::socket socket(pipe->node.io);
  if (!ec) socket.assign(tcp::v4(), plain_end.release(), ec);
  if (ec) return std::nullopt;
  GatewayNode& node = pipe->node;
  node.spawn_task(TlsPipe::from_peer(pipe));
  node.spawn_task(TlsPipe::to_peer(std::move(pipe)));
  return socket;
}

}  // namespace wsfo::gateway

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
