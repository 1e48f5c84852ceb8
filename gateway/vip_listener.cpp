#include "gateway/vip_listener.hpp"

#include <algorithm>
#include <boost/asio/socket_base.hpp>

namespace wsfo::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string describe_bind_error(const boost::system::error_code& error) {
  if (error == net::error::address_in_use) return "address in use";
  if (error == boost::system::errc::address_not_available) return "address not available";
  return error.message();
}

VipListener::VipListener(net::io_context& io, tcp::endpoint endpoint, Handler handler, Room room)
    : io_(io),
      endpoint_(std::move(endpoint)),
      handler_(std::move(handler)),
      room_(std::move(room)),
      acceptor_(io),
      pause_(io) {}

VipListener::~VipListener() { close_and_reset(); }

std::optional<std::string> VipListener::open() {
  if (acceptor_.is_open()) return std::nullopt;
  boost::system::error_code ec;
  acceptor_.open(endpoint_.protocol(), ec);
  // SO_REUSEADDR lets a VIP come back at once over TIME_WAIT leftovers; no
  // SO_REUSEPORT, so a listener held by another node makes bind() fail.
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint_, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return describe_bind_error(ec);
  }
  generation_ = std::make_shared<int>(0);
  accept_next();
  return std::nullopt;
}

void VipListener::accept_next() {
  std::weak_ptr<int> generation = generation_;
  auto socket = std::make_shared<tcp::socket>(io_);
  acceptor_.async_accept(*socket, [this, socket, generation](const boost::system::error_code& ec) {
    if (generation.expired()) return;  // closed (or destroyed) meanwhile
    if (ec) {
      if (ec == net::error::operation_aborted) return;
      // Out of descriptors and the like: keep listening rather than drop the
      // VIP, after a pause (an immediate retry would spin).
      pause_.expires_after(backoff_.failed(std::chrono::steady_clock::now()).wait);
      pause_.async_wait([this, generation](const boost::system::error_code& waited) {
        if (!waited && !generation.expired()) accept_next();
      });
      return;
    }
    backoff_.succeeded(std::chrono::steady_clock::now());
    std::erase_if(accepted_, [](const auto& weak) {
      auto open = weak.lock();
      return !open || !open->is_open();
    });
    accepted_.push_back(socket);
    hand_over(socket);
  });
}

void VipListener::hand_over(const std::shared_ptr<tcp::socket>& socket) {
  if (auto wait = room_ ? room_() : std::chrono::nanoseconds::zero(); wait.count() > 0) {
    std::weak_ptr<int> generation = generation_;
    pause_.expires_after(wait);
    pause_.async_wait([this, socket, generation](const boost::system::error_code& waited) {
      if (!waited && !generation.expired()) hand_over(socket);
    });
    return;
  }
  handler_(socket);
  accept_next();
}

void VipListener::close_silently() {
  generation_.reset();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accepted_.clear();
}

std::size_t VipListener::close_and_reset() {
  generation_.reset();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  std::size_t reset = 0;
  for (const auto& weak : accepted_) {
    auto socket = weak.lock();
    if (!socket || !socket->is_open()) continue;
    socket->set_option(net::socket_base::linger(true, 0), ignored);
    socket->close(ignored);
    ++reset;
  }
  accepted_.clear();
  return reset;
}

std::size_t VipListener::open_connections() const {
  return static_cast<std::size_t>(std::count_if(accepted_.begin(), accepted_.end(), [](const auto& weak) {
    auto socket = weak.lock();
    return socket && socket->is_open();
  }));
}

}  // namespace wsfo::gateway
