#include "simulator/bench/storm_clients.hpp"

#include "simulator/bench/ws_handshake.hpp"
// (keep the line above first: it includes <utility> before Asio)
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <cmath>
#include <optional>
#include <thread>

namespace wsfo::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr auto kStormUse = net::use_awaitable;
// The storm fleet's source addresses: 127.86.x.y.
constexpr std::uint8_t kStormSourceBlock = 86;
// A client pauses this long after a failed attempt before dialing the next survivor.
constexpr auto kRetryPause = std::chrono::milliseconds(100);

std::uint32_t micros_between(Clock::time_point from, Clock::time_point to) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
  return static_cast<std::uint32_t>(std::clamp<long long>(us, 0, UINT32_MAX));
}

// Reads (and drops) until the connection ends.
net::awaitable<void> drain_until_end(tcp::socket& socket) {
  char chunk[512];
  for (;;) {
    error_code ec;
    co_await socket.async_read_some(net::buffer(chunk), net::redirect_error(kStormUse, ec));
    if (ec) co_return;
  }
}

// The time until `fraction` of `disconnected` clients were back, in ms; the
// window when that many never came back.
double time_until_back(const std::vector<std::uint32_t>& sorted_us, std::size_t disconnected, double fraction,
                  double window_ms) {
  if (disconnected == 0) return 0;
  auto needed = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(disconnected)));
  needed = std::clamp<std::size_t>(needed, 1, disconnected);
  return needed <= sorted_us.size() ? sorted_us[needed - 1] / 1000.0 : window_ms;
}

}  // namespace

struct StormClients::Impl {
  struct ClientRecord {
    bool rehomed = false;
    std::uint32_t rehomed_us = 0;  // from the fault
    std::uint32_t handshake_us = 0;
  };

  std::vector<tcp::endpoint> survivors;
  std::chrono::milliseconds attempt_timeout;
  net::io_context io{1};
  std::thread thread;
  std::vector<ClientRecord> records;  // the io thread's until it is joined
  std::atomic<std::size_t> upgraded{0}, failed_open{0}, disconnected{0}, rehomed{0}, lost_before{0};
  std::atomic<std::uint64_t> failed_attempts{0}, open_retries{0};
  std::atomic<bool> armed{false};
  Clock::time_point fault;  // written before `armed` is set

  net::awaitable<void> pause() {
    net::steady_timer timer(co_await net::this_coro::executor, kRetryPause);
    co_await timer.async_wait(kStormUse);
  }

  // One attempt, bounded by attempt_timeout; the socket on success.
  net::awaitable<std::shared_ptr<tcp::socket>> attempt(const tcp::endpoint& target, std::size_t index) {
    auto executor = co_await net::this_coro::executor;
    auto socket = std::make_shared<tcp::socket>(executor);
    auto expired = std::make_shared<bool>(false);
    net::steady_timer timer(executor, attempt_timeout);
    timer.async_wait([socket, expired](const error_code& ec) {
      if (ec) return;
      *expired = true;
      error_code ignored;
      socket->close(ignored);
    });
    auto upgraded_now = co_await connect_and_upgrade(*socket, target, source_address(kStormSourceBlock, index));
    timer.cancel();
    if (!upgraded_now || *expired) co_return nullptr;
    co_return socket;
  }

  net::awaitable<void> client(tcp::endpoint first, std::size_t index) {
    // Setting up is not measured: an attempt a node refuses (e.g. over its
    // cap of handshakes in progress) is retried until the fault.
    for (;;) {
      if (armed) {
        ++failed_open;
        co_return;
      }
      if (auto socket = co_await attempt(first, index)) {
        ++upgraded;
        co_await drain_until_end(*socket);
        break;
      }
      ++open_retries;
      co_await pause();
    }
    if (!armed) {
      ++lost_before;
      co_return;
    }
    ++disconnected;
    for (std::size_t tries = 0;; ++tries) {
      const auto& target = survivors[(index + tries) % survivors.size()];
      auto started = Clock::now();
      auto socket = co_await attempt(target, index);
      if (!socket) {
        ++failed_attempts;
        co_await pause();
        continue;
      }
      auto now = Clock::now();
      records[index] = ClientRecord{true, micros_between(fault, now), micros_between(started, now)};
      ++rehomed;
      co_await drain_until_end(*socket);
      co_return;
    }
  }
};

StormClients::StormClients(std::vector<Target> survivors, std::chrono::milliseconds attempt_timeout)
    : impl_(std::make_unique<Impl>()) {
  for (const auto& s : survivors) impl_->survivors.push_back(endpoint_of(s));
  impl_->attempt_timeout = attempt_timeout;
}

StormClients::~StormClients() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::size_t StormClients::open(const Target& first, std::size_t count, std::chrono::milliseconds timeout) {
  auto endpoint = endpoint_of(first);
  impl_->records.assign(count, Impl::ClientRecord{});
  for (std::size_t i = 0; i < count; ++i) net::co_spawn(impl_->io, impl_->client(endpoint, i), net::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
  auto deadline = Clock::now() + timeout;
  while (impl_->upgraded + impl_->failed_open < count && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return impl_->upgraded;
}

void StormClients::arm() {
  impl_->fault = Clock::now();
  impl_->armed = true;
}

std::size_t StormClients::upgraded_now() const { return impl_->upgraded; }
std::size_t StormClients::disconnected_now() const { return impl_->disconnected; }
std::size_t StormClients::back_now() const { return impl_->rehomed; }

StormFigures StormClients::finish(std::chrono::milliseconds window) {
  auto deadline = impl_->fault + window;
  while (Clock::now() < deadline &&
         (impl_->rehomed < impl_->disconnected || impl_->disconnected + impl_->lost_before < impl_->upgraded))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();

  StormFigures figures;
  figures.clients = impl_->records.size();
  figures.disconnected = impl_->disconnected;
  figures.rehomed = impl_->rehomed;
  figures.never_returned = figures.disconnected - figures.rehomed;
  figures.lost_before = impl_->lost_before;
  figures.failed_attempts = impl_->failed_attempts;
  figures.open_retries = impl_->open_retries;
  std::vector<std::uint32_t> rehomed_us, handshake_us;
  for (const auto& r : impl_->records)
    if (r.rehomed) {
      rehomed_us.push_back(r.rehomed_us);
      handshake_us.push_back(r.handshake_us);
    }
  std::sort(rehomed_us.begin(), rehomed_us.end());
  double window_ms = static_cast<double>(window.count());
  figures.rehomed_50_ms = time_until_back(rehomed_us, figures.disconnected, 0.50, window_ms);
  figures.rehomed_99_ms = time_until_back(rehomed_us, figures.disconnected, 0.99, window_ms);
  figures.rehomed_100_ms = time_until_back(rehomed_us, figures.disconnected, 1.0, window_ms);
  figures.handshake_p50_ms = percentile_ms(handshake_us, 0.50);
  figures.handshake_p99_ms = percentile_ms(handshake_us, 0.99);
  return figures;
}

}  // namespace wsfo::bench
