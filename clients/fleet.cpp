// The fleet: clients dealt round-robin to one Worker per thread, SIGINT,
// SIGTERM and --duration ending the run, and the summaries merged at the end.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <mutex>
#include <thread>

#include "clients/fleet.hpp"
#include "clients/fleet_worker.hpp"

namespace wsfo::clients {

namespace net = boost::asio;
using error_code = boost::system::error_code;

struct Fleet::Impl {
  Impl(FleetOptions o, EventSink& s) : options(std::move(o)), sink(s) {}

  FleetOptions options;
  EventSink& sink;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<std::uint64_t> connected_now{0};
  std::atomic<std::uint64_t> sessions{0};
  std::atomic<bool> stop_requested{false};
  std::mutex mutex;  // guards `running` against stop() from another thread
  bool running = false;

  void stop_all() {
    std::lock_guard lock(mutex);
    stop_requested = true;
    if (!running) return;
    for (auto& worker : workers) worker->begin_shutdown();
  }
};

Fleet::Fleet(FleetOptions options, EventSink& sink) : impl_(std::make_unique<Impl>(std::move(options), sink)) {}

Fleet::~Fleet() = default;

void Fleet::stop() { impl_->stop_all(); }

std::uint64_t Fleet::connected_now() const { return impl_->connected_now.load(std::memory_order_relaxed); }

std::uint64_t Fleet::sessions_opened() const { return impl_->sessions.load(std::memory_order_relaxed); }

FleetSummary Fleet::run() {
  auto& impl = *impl_;
  const auto& options = impl.options;
  unsigned threads = std::max(1u, std::min<unsigned>(options.threads, options.router_ids.size() + 0u));
  for (unsigned i = 0; i < threads; ++i)
    impl.workers.push_back(std::make_unique<Worker>(options, impl.sink, impl.connected_now, impl.sessions));
  for (std::size_t i = 0; i < options.router_ids.size(); ++i)
    impl.workers[i % impl.workers.size()]->add_client(options.router_ids[i], i);

  run_workers(impl, options);
  FleetSummary total;
  for (auto& worker : impl.workers) total.merge(worker->summary());
  impl.workers.clear();
  return total;
}

// The signal set and the duration timer live on worker 0's io_context, so they
// must be gone before the workers are destroyed: they are this function's.
void Fleet::run_workers(Impl& impl, const FleetOptions& options) {
  auto& main_io = impl.workers.front()->io();
  net::signal_set signals(main_io);
  net::steady_timer duration_timer(main_io);
  if (options.handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([&impl](error_code ec, int) {
      if (!ec) impl.stop_all();
    });
  }
  if (options.duration) {
    duration_timer.expires_after(*options.duration);
    duration_timer.async_wait([&impl](error_code ec) {
      if (!ec) impl.stop_all();
    });
  }
  {
    std::lock_guard lock(impl.mutex);
    for (auto& worker : impl.workers) worker->start();
    impl.running = true;
    if (impl.stop_requested)
      for (auto& worker : impl.workers) worker->begin_shutdown();
  }
  // The signal set and the duration timer keep worker 0's io_context busy:
  // they go once its clients are done (which only happens at shutdown).
  impl.workers.front()->on_all_done = [&] {
    error_code ignored;
    signals.cancel(ignored);
    duration_timer.cancel();
  };
  std::vector<std::thread> extra;
  for (std::size_t i = 1; i < impl.workers.size(); ++i) extra.emplace_back([w = impl.workers[i].get()] { w->run(); });
  impl.workers.front()->run();
  for (auto& t : extra) t.join();
  {
    std::lock_guard lock(impl.mutex);
    impl.running = false;
  }
  impl.sink.flush();
  impl.workers.front()->on_all_done = nullptr;  // it refers to this function's signal set and timer
}

}  // namespace wsfo::clients
