#include "simulator/bench/ws_load.hpp"

#include "simulator/bench/ws_handshake.hpp"

#include <netinet/in.h>

// Boost 1.74's awaitable uses std::exchange without including <utility>.
#include <utility>
// (keep the line above first)
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

namespace wsfo::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr auto kUse = net::use_awaitable;

// The echo and session loads' source addresses: 127.77.x.y.
constexpr std::uint8_t kSourceBlock = 77;

net::ip::address_v4 source_address(std::size_t index) { return bench::source_address(kSourceBlock, index); }

// A client frame with a zero mask key: valid (the mask bit is set) and the
// payload needs no XOR.
std::string client_frame(std::uint8_t opcode, const std::string& payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  frame.append(4, '\0');
  return frame + payload;
}

struct Frame {
  std::uint8_t opcode = 0;
  bool fin = true;           // the last frame of its message
  std::string_view payload;  // valid until the next read
};

// Server frames (never masked) from a socket; bytes that came with the
// handshake answer are kept.
class FrameReader {
 public:
  explicit FrameReader(std::string leftover) : buffer_(std::move(leftover)) {}

  net::awaitable<std::optional<Frame>> next(tcp::socket& socket) {
    for (;;) {
      if (auto frame = parse()) co_return frame;
      if (start_ > 0 && start_ * 2 >= buffer_.size()) {
        buffer_.erase(0, start_);
        start_ = 0;
      }
      char chunk[4096];
      error_code ec;
      auto n = co_await socket.async_read_some(net::buffer(chunk), net::redirect_error(kUse, ec));
      if (ec) co_return std::nullopt;
      buffer_.append(chunk, n);
    }
  }

 private:
  std::optional<Frame> parse() {
    auto available = buffer_.size() - start_;
    if (available < 2) return std::nullopt;
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + start_);
    std::size_t header = 2;
    std::uint64_t length = p[1] & 0x7f;
    if (length == 126) {
      header = 4;
      if (available < header) return std::nullopt;
      length = (std::uint64_t{p[2]} << 8) | p[3];
    } else if (length == 127) {
      header = 10;
      if (available < header) return std::nullopt;
      length = 0;
      for (int i = 2; i < 10; ++i) length = (length << 8) | p[i];
    }
    if (available < header + length) return std::nullopt;
    Frame frame{static_cast<std::uint8_t>(p[0] & 0x0f), (p[0] & 0x80) != 0,
                std::string_view(buffer_.data() + start_ + header, static_cast<std::size_t>(length))};
    start_ += header + static_cast<std::size_t>(length);
    return frame;
  }

  std::string buffer_;
  std::size_t start_ = 0;
};

// Polls `done` until it is true or `deadline` passes.
net::awaitable<bool> wait_until(std::function<bool()> done, Clock::time_point deadline) {
  net::steady_timer timer(co_await net::this_coro::executor);
  while (!done()) {
    if (Clock::now() >= deadline) co_return false;
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(kUse);
  }
  co_return true;
}

struct EchoRun {
  tcp::endpoint target;
  std::size_t message_size = 64;
  std::size_t connected = 0;
  std::size_t failed = 0;
  Clock::time_point end = Clock::time_point::max();
  std::uint64_t round_trips = 0;
  std::vector<std::uint32_t> latency_micros;
};

net::awaitable<void> echo_connection(EchoRun& run, net::steady_timer& gate, std::size_t index) {
  tcp::socket socket(co_await net::this_coro::executor);
  auto leftover = co_await connect_and_upgrade(socket, run.target, source_address(index));
  if (!leftover) {
    ++run.failed;
    co_return;
  }
  ++run.connected;
  FrameReader reader(std::move(*leftover));
  std::string tag = "echo" + std::to_string(index) + "-";
  std::string message = tag + std::string(run.message_size > tag.size() ? run.message_size - tag.size() : 0, 'x');
  std::string frame = client_frame(0x1, message);
  error_code ec;
  // The welcome and announcements that arrive before the start are skipped
  // by the reply loop below.
  co_await gate.async_wait(net::redirect_error(kUse, ec));
  while (Clock::now() < run.end) {
    auto sent = Clock::now();
    co_await net::async_write(socket, net::buffer(frame), net::redirect_error(kUse, ec));
    if (ec) co_return;
    // Beast servers split a message into frames of 4 KiB (auto_fragment):
    // the echo is the whole message, continuation frames included.
    std::string reply_text;
    for (;;) {
      auto reply = co_await reader.next(socket);
      if (!reply || reply->opcode == 0x8) co_return;
      if (reply->opcode == 0x1 || reply->opcode == 0x2)
        reply_text.assign(reply->payload);
      else if (reply->opcode == 0x0)
        reply_text.append(reply->payload);
      else
        continue;  // ping, pong
      if (reply->fin && reply_text.starts_with(message)) break;
    }
    auto now = Clock::now();
    if (now > run.end) break;
    ++run.round_trips;
    run.latency_micros.push_back(
        static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count()));
  }
  socket.close(ec);
}

// Opens the gate once every connection is up (or failed) and the
// announcements of the new connections are over; stops after `duration`.
net::awaitable<void> run_echo_clock(net::io_context& io, EchoRun& run, net::steady_timer& gate, std::size_t connections,
                                    std::chrono::nanoseconds duration) {
  co_await wait_until([&] { return run.connected + run.failed >= connections; },
                      Clock::now() + std::chrono::seconds(60));
  net::steady_timer timer(io, std::chrono::milliseconds(500));
  co_await timer.async_wait(kUse);
  run.end = Clock::now() + std::chrono::duration_cast<Clock::duration>(duration);
  gate.cancel();
  timer.expires_at(run.end + std::chrono::milliseconds(200));
  co_await timer.async_wait(kUse);
  io.stop();
}

// One load thread's share: connections [first, first + count).
EchoRun echo_on_one_thread(const tcp::endpoint& target, std::size_t first, std::size_t count,
                           std::chrono::nanoseconds duration, std::size_t message_size) {
  net::io_context io(1);
  EchoRun run;
  run.target = target;
  run.message_size = message_size;
  run.latency_micros.reserve(1 << 20);
  net::steady_timer gate(io, Clock::time_point::max());
  for (std::size_t i = first; i < first + count; ++i) net::co_spawn(io, echo_connection(run, gate, i), net::detached);
  net::co_spawn(io, run_echo_clock(io, run, gate, count, duration), net::detached);
  io.run();
  return run;
}

}  // namespace

EchoResult run_echo(const Target& target, std::size_t connections, std::chrono::nanoseconds duration,
                    std::size_t message_size, std::size_t threads) {
  threads = std::clamp<std::size_t>(threads, 1, connections);
  std::vector<EchoRun> runs(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    std::size_t first = connections * t / threads;
    std::size_t count = connections * (t + 1) / threads - first;
    workers.emplace_back([&, t, first, count] {
      runs[t] = echo_on_one_thread(endpoint_of(target), first, count, duration, message_size);
    });
  }
  for (auto& worker : workers) worker.join();
  EchoResult result;
  std::vector<std::uint32_t> latencies;
  for (auto& run : runs) {
    result.connected += run.connected;
    result.round_trips += run.round_trips;
    latencies.insert(latencies.end(), run.latency_micros.begin(), run.latency_micros.end());
  }
  if (result.connected < connections)
    result.error = std::to_string(connections - result.connected) + " of " + std::to_string(connections) +
                   " connections failed to upgrade";
  result.seconds = std::chrono::duration<double>(duration).count();
  result.p50_ms = percentile_ms(latencies, 0.50);
  result.p99_ms = percentile_ms(latencies, 0.99);
  return result;
}

namespace {

struct SessionRun {
  tcp::endpoint target;
  Clock::time_point end;
  std::uint64_t sessions = 0;
  std::uint64_t failures = 0;
  std::size_t running = 0;
};

// One session: upgrade, send a close frame, read until the close reply.
net::awaitable<bool> one_session(SessionRun& run, std::size_t source_index) {
  tcp::socket socket(co_await net::this_coro::executor);
  auto leftover = co_await connect_and_upgrade(socket, run.target, source_address(source_index));
  if (!leftover) co_return false;
  static const std::string close_frame = client_frame(0x8, std::string("\x03\xe8", 2));
  error_code ec;
  co_await net::async_write(socket, net::buffer(close_frame), net::redirect_error(kUse, ec));
  if (ec) co_return false;
  FrameReader reader(std::move(*leftover));
  for (;;) {
    auto frame = co_await reader.next(socket);
    if (!frame) co_return false;
    if (frame->opcode == 0x8) break;
  }
  socket.close(ec);
  co_return true;
}

net::awaitable<void> session_loop(SessionRun& run, std::size_t loop_index, std::size_t loops) {
  for (std::size_t round = 0; Clock::now() < run.end; ++round) {
    bool ok = co_await one_session(run, loop_index + loops * (round % 16));
    if (Clock::now() > run.end) break;
    ++(ok ? run.sessions : run.failures);
  }
  --run.running;
}

net::awaitable<void> stop_when_done(net::io_context& io, SessionRun& run) {
  co_await wait_until([&] { return run.running == 0; }, run.end + std::chrono::seconds(5));
  io.stop();
}

}  // namespace

SessionResult run_sessions(const Target& target, std::size_t concurrency, std::chrono::nanoseconds duration) {
  net::io_context io(1);
  SessionRun run;
  run.target = endpoint_of(target);
  auto started = Clock::now();
  run.end = started + std::chrono::duration_cast<Clock::duration>(duration);
  run.running = concurrency;
  for (std::size_t i = 0; i < concurrency; ++i) net::co_spawn(io, session_loop(run, i, concurrency), net::detached);
  // A session stuck past the end must not hold the benchmark.
  net::steady_timer guard(io, run.end + std::chrono::seconds(5));
  guard.async_wait([&](const error_code&) { io.stop(); });
  net::co_spawn(io, stop_when_done(io, run), net::detached);
  io.run();
  return SessionResult{run.sessions, run.failures, std::chrono::duration<double>(duration).count()};
}

struct IdleConnections::Impl {
  net::io_context io{1};
  std::thread thread;
  std::atomic<std::size_t> upgraded{0};
  std::atomic<std::size_t> failed{0};
  std::atomic<std::uint64_t> bytes{0};

  net::awaitable<void> hold(tcp::endpoint target, std::size_t index) {
    tcp::socket socket(co_await net::this_coro::executor);
    auto leftover = co_await connect_and_upgrade(socket, target, source_address(index));
    if (!leftover) {
      ++failed;
      co_return;
    }
    ++upgraded;
    char chunk[512];
    for (;;) {
      error_code ec;
      auto n = co_await socket.async_read_some(net::buffer(chunk), net::redirect_error(kUse, ec));
      if (ec) co_return;
      bytes += n;
    }
  }
};

IdleConnections::IdleConnections() : impl_(std::make_unique<Impl>()) {}

IdleConnections::~IdleConnections() { close(); }

std::size_t IdleConnections::open(const Target& target, std::size_t count, std::chrono::milliseconds timeout) {
  auto endpoint = endpoint_of(target);
  for (std::size_t i = 0; i < count; ++i) net::co_spawn(impl_->io, impl_->hold(endpoint, i), net::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
  auto deadline = Clock::now() + timeout;
  while (impl_->upgraded + impl_->failed < count && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return impl_->upgraded;
}

void IdleConnections::wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto last_bytes = impl_->bytes.load();
  auto last_change = Clock::now();
  while (Clock::now() < deadline && Clock::now() - last_change < quiet) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (auto now = impl_->bytes.load(); now != last_bytes) {
      last_bytes = now;
      last_change = Clock::now();
    }
  }
}

void IdleConnections::close() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
  // Destroying the io_context destroys the suspended coroutines and closes their sockets.
  impl_ = std::make_unique<Impl>();
}

}  // namespace wsfo::bench
