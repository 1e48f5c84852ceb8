#include "simulator/bench/ws_handshake.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>

namespace wsfo::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

const std::string& handshake_request() {
  static const std::string request =
      "GET / HTTP/1.1\r\nHost: bench.wsfo.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  return request;
}

net::ip::address_v4 source_address(std::uint8_t block, std::size_t index) {
  auto high = static_cast<std::uint32_t>(index / 254);
  auto low = static_cast<std::uint32_t>(index % 254 + 1);
  return net::ip::address_v4((127u << 24) | (std::uint32_t{block} << 16) | ((high & 0xff) << 8) | low);
}

tcp::endpoint endpoint_of(const Target& target) {
  return tcp::endpoint(net::ip::make_address_v4(target.host), target.port);
}

net::awaitable<std::optional<std::string>> connect_and_upgrade(tcp::socket& socket, const tcp::endpoint& target,
                                                               net::ip::address_v4 source) {
  constexpr auto use = net::use_awaitable;
  error_code ec;
  socket.open(tcp::v4(), ec);
  if (ec) co_return std::nullopt;
  int on = 1;
  // Lets connect() pick the port per destination, so one source address
  // serves many connections.
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
  socket.bind(tcp::endpoint(source, 0), ec);
  if (ec) co_return std::nullopt;
  co_await socket.async_connect(target, net::redirect_error(use, ec));
  if (ec) co_return std::nullopt;
  socket.set_option(tcp::no_delay(true), ec);
  co_await net::async_write(socket, net::buffer(handshake_request()), net::redirect_error(use, ec));
  if (ec) co_return std::nullopt;
  std::string answer;
  auto n =
      co_await net::async_read_until(socket, net::dynamic_buffer(answer), "\r\n\r\n", net::redirect_error(use, ec));
  if (ec || !answer.starts_with("HTTP/1.1 101")) co_return std::nullopt;
  co_return answer.substr(n);
}

double percentile_ms(std::vector<std::uint32_t>& micros, double fraction) {
  if (micros.empty()) return 0;
  auto index = static_cast<std::size_t>(fraction * static_cast<double>(micros.size() - 1));
  std::nth_element(micros.begin(), micros.begin() + static_cast<std::ptrdiff_t>(index), micros.end());
  return micros[index] / 1000.0;
}

}  // namespace wsfo::bench
