#include "clients/fleet_worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>

#include "process/live_clock.hpp"

namespace wsfo::clients {

namespace net = boost::asio;
using error_code = boost::system::error_code;

Worker::Worker(const FleetOptions& options, EventSink& sink, std::atomic<std::uint64_t>& connected_now,
               std::atomic<std::uint64_t>& sessions)
    : options_(options),
      sink_(sink),
      verbose_(sink, options.router_ids.size() > 1),
      connected_now_(connected_now),
      sessions_(sessions),
      shutdown_deadline_(io_),
      flush_timer_(io_),
      spawn_timer_(io_) {}

void Worker::add_client(std::uint64_t router_id, std::uint64_t index) {
  clients_.push_back(std::make_unique<Client>(*this, router_id, index));
}

void Worker::start() {
  alive_ = clients_.size();
  summary_.clients = clients_.size();
  started_ns_ = process::LiveClock::now_ns();
  if (options_.connect_rate == 0) {
    while (spawned_ < clients_.size()) spawn_next();
  } else {
    spawn_batch();
  }
  if (sink_.wants_events()) arm_flush();
  if (alive_ == 0 && on_all_done) on_all_done();
}

void Worker::begin_shutdown() {
  net::post(io_, [this] {
    if (shutting_down_) return;
    shutting_down_ = true;
    flush_timer_.cancel();
    spawn_timer_.cancel();
    while (spawned_ < clients_.size()) {  // never started: nothing to close
      ++spawned_;
      client_finished();
    }
    for (auto& client : clients_) client->request_close();
    if (alive_ == 0) return;
    shutdown_deadline_.expires_after(options_.close_timeout + std::chrono::milliseconds(500));
    shutdown_deadline_.async_wait([this](error_code ec) {
      if (ec) return;
      for (auto& client : clients_) client->cut();
    });
  });
}

tls::Context* Worker::tls_context(std::string& error) {
  if (!tls_context_ && tls_context_error_.empty()) {
    tls_context_ = tls::client_context(options_.tls, tls_context_error_);
    // One CA file for the whole fleet: a client that fails to load it does not retry the load.
    if (!tls_context_ && tls_context_error_.empty()) tls_context_error_ = "cannot make a TLS client context";
  }
  error = tls_context_error_;
  return tls_context_.get();
}

history::Stamp Worker::stamp(std::uint64_t router_id, std::optional<std::int64_t> t_ns) const {
  return {t_ns ? *t_ns : process::LiveClock::now_ns(), options_.source_name, router_id};
}

void Worker::client_finished() {
  if (--alive_ == 0) {
    shutdown_deadline_.cancel();
    flush_timer_.cancel();
    summary_.elapsed_seconds = static_cast<double>(process::LiveClock::now_ns() - started_ns_) / 1e9;
    if (on_all_done) on_all_done();
  }
}

void Worker::spawn_next() {
  auto* client = clients_[spawned_++].get();
  net::co_spawn(io_, client->run(), [this, client](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::fprintf(stderr, "wsfo clients: client %llu stopped: %s\n",
                     static_cast<unsigned long long>(client->router_id()), x.what());
      }
    }
    client_finished();
  });
}

// Starts clients at connect_rate per second (this worker's share), in
// batches every 10 ms: a herd of simultaneous handshakes would leave the
// heap fragmented by their short-lived buffers.
void Worker::spawn_batch() {
  constexpr auto kTick = std::chrono::milliseconds(10);
  // Credit by elapsed time, so a busy loop that delays the tick does not
  // slow the ramp down.
  double share = options_.connect_rate / static_cast<double>(options_.threads);
  double elapsed = static_cast<double>(process::LiveClock::now_ns() - started_ns_) / 1e9;
  auto due = static_cast<std::size_t>(share * elapsed) + 1;
  while (spawned_ < clients_.size() && spawned_ < due) spawn_next();
  if (spawned_ == clients_.size() || shutting_down_) return;
  spawn_timer_.expires_after(kTick);
  spawn_timer_.async_wait([this](error_code ec) {
    if (!ec && !shutting_down_) spawn_batch();
  });
}

void Worker::arm_flush() {
  flush_timer_.expires_after(std::chrono::milliseconds(200));
  flush_timer_.async_wait([this](error_code ec) {
    if (ec || shutting_down_) return;
    sink_.flush();
    arm_flush();
  });
}

}  // namespace wsfo::clients
