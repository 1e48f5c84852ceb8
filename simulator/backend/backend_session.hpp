#pragma once
// Internal to the backend's two Beast translation units (backend_server.cpp,
// backend_session.cpp); nothing outside simulator/backend includes it.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "simulator/backend/backend_options.hpp"
#include "simulator/backend/backend_stats.hpp"

namespace wsfo::backend {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// One broadcast text is shared by every session that sends it.
using Payload = std::shared_ptr<const std::string>;

// The one place that decides which errors are worth a line on stderr: the
// normal ways a connection ends (close handshake, EOF, reset, cancellation
// during shutdown) are not.
void report_error(std::string_view label, std::string_view what, const boost::system::error_code& ec);

class Session;

// What every session of one backend shares. Single-threaded: no locks.
struct Hub {
  explicit Hub(const BackendOptions& opts) : options(opts), stats(opts.label) {}

  void add(const std::shared_ptr<Session>& session);
  void remove(const Session* session);
  void broadcast(const Payload& payload);
  void close_all(websocket::close_code code);
  bool empty() const { return sessions.empty(); }

  const BackendOptions& options;
  BackendStats stats;
  bool shutting_down = false;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;
};

// One WebSocket client as the hub sees it.
class Session {
 public:
  // A session holds at most this many unsent messages; a client that falls
  // further behind is dropped rather than growing memory without bound.
  static constexpr std::size_t kMaxQueuedMessages = 10000;

  virtual ~Session() = default;
  virtual void send(Payload payload) = 0;
  // Sends a close frame after the write in progress; unsent messages are dropped.
  virtual void close(websocket::close_code code) = 0;
};

// The streams a backend serves on: plain TCP, or TLS over it (--tls-certificate).
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A session on `Stream`: a read loop (echo) and a writer coroutine that owns
// every write, so broadcasts and echoes never overlap on the stream.
template <class Stream>
class StreamSession final : public Session, public std::enable_shared_from_this<StreamSession<Stream>> {
 public:
  StreamSession(Stream stream, Hub& hub, ConnectionOrigin origin, std::string path);

  // Answers the handshake `request` (already read) and serves the client
  // until the connection ends.
  net::awaitable<void> run(http::request<http::string_body> request);

  void send(Payload payload) override;
  void close(websocket::close_code code) override;

 private:
  net::awaitable<void> read_loop();
  net::awaitable<void> write_loop(std::shared_ptr<StreamSession> self);
  void drop(std::string_view why);

  websocket::stream<Stream> ws_;
  Hub& hub_;
  ConnectionOrigin origin_;
  std::string path_;
  std::deque<Payload> outbox_;
  net::steady_timer writer_wakeup_;
  std::optional<websocket::close_code> close_code_;
  bool finished_ = false;
};

extern template class StreamSession<PlainStream>;
extern template class StreamSession<TlsStream>;

}  // namespace wsfo::backend
