#include "simulator/bench/tls_sessions.hpp"

#include <netinet/in.h>

#include <utility>
// (Boost 1.74's awaitable needs <utility> first)
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "simulator/bench/ws_handshake.hpp"
#include "tls/contexts.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// of coroutines with external linkage (asio's frame operator new and delete
// do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::bench {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

// Named, not anonymous: the unity build puts ws_load.cpp's helpers beside these.
namespace tls_load {

constexpr auto kUse = net::use_awaitable;
constexpr std::uint8_t kSourceBlock = 79;  // 127.79.x.y: not the echo (77) or storm loads' addresses

struct TlsRun {
  tls::Context* context = nullptr;
  std::string server_name;
  tcp::endpoint target;
  Clock::time_point end;
  std::uint64_t sessions = 0;
  std::uint64_t failures = 0;
  std::size_t running = 0;
  std::vector<std::uint32_t> micros;
  std::string first_error;
};

// True once `buffer` holds a whole close frame; frames before it are skipped.
bool close_frame_arrived(std::string& buffer) {
  for (;;) {
    if (buffer.size() < 2) return false;
    const auto opcode = static_cast<std::uint8_t>(buffer[0]) & 0x0f;
    std::size_t length = static_cast<std::uint8_t>(buffer[1]) & 0x7f;
    std::size_t header = 2;
    if (length == 126 || length == 127) {
      const std::size_t extra = length == 126 ? 2 : 8;
      if (buffer.size() < 2 + extra) return false;
      length = 0;
      for (std::size_t i = 0; i < extra; ++i) length = length << 8 | static_cast<std::uint8_t>(buffer[2 + i]);
      header += extra;
    }
    if (buffer.size() < header + length) return false;
    if (opcode == 0x8) return true;
    buffer.erase(0, header + length);
  }
}

// connect, TLS handshake, upgrade, close handshake; "" or why it failed.
net::awaitable<std::string> one_session(TlsRun& run, std::size_t source_index) {
  ssl::stream<tcp::socket> stream(co_await net::this_coro::executor, *run.context);
  tcp::socket& socket = stream.next_layer();
  error_code ec;
  socket.open(tcp::v4(), ec);
  int on = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
  if (!ec) socket.bind(tcp::endpoint(source_address(kSourceBlock, source_index), 0), ec);
  if (ec) co_return "bind: " + ec.message();
  co_await socket.async_connect(run.target, net::redirect_error(kUse, ec));
  if (ec) co_return "connect: " + ec.message();
  socket.set_option(tcp::no_delay(true), ec);
  std::string error;
  if (!tls::prepare_client(stream.native_handle(), run.server_name, true, error)) co_return error;
  co_await stream.async_handshake(ssl::stream_base::client, net::redirect_error(kUse, ec));
  if (ec) co_return "TLS handshake: " + tls::describe_failure(ec, stream.native_handle());
  co_await net::async_write(stream, net::buffer(handshake_request()), net::redirect_error(kUse, ec));
  std::string answer;
  std::size_t head = 0;
  if (!ec)
    head = co_await net::async_read_until(stream, net::dynamic_buffer(answer), "\r\n\r\n", net::redirect_error(kUse, ec));
  if (ec || !answer.starts_with("HTTP/1.1 101")) co_return "upgrade: " + (ec ? ec.message() : answer.substr(0, 40));
  answer.erase(0, head);
  static const std::string close_frame("\x88\x82\0\0\0\0\x03\xe8", 8);  // 1000, zero mask key
  co_await net::async_write(stream, net::buffer(close_frame), net::redirect_error(kUse, ec));
  std::array<char, 1024> chunk{};
  while (!ec && !close_frame_arrived(answer)) {
    std::size_t n = co_await stream.async_read_some(net::buffer(chunk), net::redirect_error(kUse, ec));
    answer.append(chunk.data(), n);
  }
  if (ec) co_return "close: " + ec.message();
  socket.close(ec);  // no close_notify wait: the WebSocket close handshake ended the session
  co_return "";
}

net::awaitable<void> session_loop(TlsRun& run, std::size_t loop_index, std::size_t loops) {
  for (std::size_t round = 0; Clock::now() < run.end; ++round) {
    auto started = Clock::now();
    std::string error = co_await one_session(run, loop_index + loops * (round % 16));
    if (Clock::now() > run.end) break;
    if (!error.empty()) {
      ++run.failures;
      if (run.first_error.empty()) run.first_error = error;
      continue;
    }
    ++run.sessions;
    run.micros.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()));
  }
  --run.running;
}

}  // namespace tls_load

TlsSessionResult run_tls_sessions(const Target& target, const std::string& ca_file, const std::string& server_name,
                                  std::size_t concurrency, std::chrono::nanoseconds duration) {
  TlsSessionResult result;
  std::string error;
  auto context = tls::client_context({ca_file, true, false}, error);
  if (!context) return result.error = error, result;
  net::io_context io(1);
  tls_load::TlsRun run;
  run.context = context.get();
  run.server_name = server_name;
  run.target = endpoint_of(target);
  run.end = Clock::now() + std::chrono::duration_cast<Clock::duration>(duration);
  run.running = concurrency;
  for (std::size_t i = 0; i < concurrency; ++i)
    net::co_spawn(io, tls_load::session_loop(run, i, concurrency), net::detached);
  // A session stuck past the end must not hold the benchmark.
  net::steady_timer guard(io, run.end + std::chrono::seconds(5));
  guard.async_wait([&](const error_code&) { io.stop(); });
  net::steady_timer done(io);
  std::function<void(const error_code&)> check = [&](const error_code&) {
    if (run.running == 0) return io.stop();
    done.expires_after(std::chrono::milliseconds(20));
    done.async_wait(check);
  };
  check({});
  io.run();
  result.sessions = SessionResult{run.sessions, run.failures, std::chrono::duration<double>(duration).count()};
  result.p50_ms = percentile_ms(run.micros, 0.50);
  result.p99_ms = percentile_ms(run.micros, 0.99);
  result.error = run.first_error;
  return result;
}

}  // namespace wsfo::bench

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
