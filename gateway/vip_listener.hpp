#pragma once
// A node's hold on one `VIP:port` (docs/vrrp.md): a TCP acceptor bound while
// the VRRP instance is Master. SO_REUSEADDR but never SO_REUSEPORT, so on
// loopback a second node's bind of the same VIP fails ("address in use"),
// which is how a split brain shows. Closing it resets (RST, SO_LINGER 0) every
// connection it accepted that is still open, as the new master would.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/accept_backoff.hpp"

namespace wsfo::gateway {

class VipListener {
 public:
  // Gets each accepted connection. Keep using this socket object (e.g. through
  // `websocket::stream<tcp::socket&>`): closing the VIP resets it in place.
  using Handler = std::function<void(std::shared_ptr<boost::asio::ip::tcp::socket>)>;

  // Asked before an accepted connection is handed to the handler: zero to
  // hand it over now, else how long to wait before asking again (the
  // gateway's cap on handshakes in progress); the next accept waits too.
  using Room = std::function<std::chrono::nanoseconds()>;

  VipListener(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, Handler handler,
              Room room = {});
  ~VipListener();
  VipListener(const VipListener&) = delete;
  VipListener& operator=(const VipListener&) = delete;

  // Binds and listens; nullopt when listening, else why not ("address in use").
  std::optional<std::string> open();
  // Stops accepting and resets the accepted connections still open; returns how many.
  std::size_t close_and_reset();
  // Stops accepting and leaves the accepted connections alone (a powered-off
  // host: its connections hear nothing at all).
  void close_silently();

  bool is_open() const { return acceptor_.is_open(); }
  const boost::asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  std::size_t open_connections() const;

 private:
  void accept_next();
  void hand_over(const std::shared_ptr<boost::asio::ip::tcp::socket>& socket);  // once the room callback allows

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint endpoint_;
  Handler handler_;
  Room room_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<boost::asio::ip::tcp::socket>> accepted_;
  // Outstanding accept handlers hold this; a closed generation ignores them.
  std::shared_ptr<int> generation_;
  boost::asio::steady_timer pause_;  // after a failed accept (gateway/accept_backoff.hpp)
  AcceptBackoff backoff_;
};

// "address in use" for EADDRINUSE, the system's text otherwise.
std::string describe_bind_error(const boost::system::error_code& error);

}  // namespace wsfo::gateway
