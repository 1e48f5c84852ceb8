#pragma once
// A time limit on a socket's pending operations, for the handshake side of
// the gateway (request head, answer, upstream connect and handshake). Asio
// has no per-operation timeout, so a timer cancels the socket's operations
// instead; the caller then sees operation_aborted and asks expired().
#include <utility>  // Boost 1.74's asio needs it first
//
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace wsfo::gateway {

class Deadline {
 public:
  Deadline(boost::asio::ip::tcp::socket& socket, std::chrono::nanoseconds after)
      : state_(std::make_shared<State>(State{&socket, false})), timer_(socket.get_executor()) {
    timer_.expires_after(after);
    // The state outlives the Deadline: the wait may complete after it is gone.
    timer_.async_wait([state = state_](const boost::system::error_code& ec) {
      if (ec || !state->socket) return;
      state->expired = true;
      boost::system::error_code ignored;
      state->socket->cancel(ignored);
    });
  }
  ~Deadline() {
    state_->socket = nullptr;
    timer_.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool expired() const { return state_->expired; }

 private:
  struct State {
    boost::asio::ip::tcp::socket* socket;
    bool expired;
  };
  std::shared_ptr<State> state_;
  boost::asio::steady_timer timer_;
};

}  // namespace wsfo::gateway
