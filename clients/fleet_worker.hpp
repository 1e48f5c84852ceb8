#pragma once
// One thread's share of the fleet (internal to clients/): an io_context, its
// clients, their connect ramp, the periodic flush of the event sink and the
// shutdown that closes them all. What clients report goes through here: the
// summary (this thread's counts, merged at the end), events and verbose lines.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "clients/client.hpp"
#include "clients/event_sink.hpp"
#include "clients/fleet_options.hpp"
#include "clients/fleet_summary.hpp"
#include "clients/verbose_printer.hpp"
#include "core/history/records.hpp"

namespace wsfo::clients {

class Worker {
 public:
  Worker(const FleetOptions& options, EventSink& sink, std::atomic<std::uint64_t>& connected_now,
         std::atomic<std::uint64_t>& sessions);

  void add_client(std::uint64_t router_id, std::uint64_t index);
  // Starts the clients (all at once, or at the connect rate); on this thread.
  void start();
  void run() { io_.run(); }
  // Closes every client; posted, so callable from any thread.
  void begin_shutdown();

  boost::asio::io_context& io() { return io_; }
  const FleetOptions& options() const { return options_; }
  EventSink& sink() { return sink_; }
  const VerbosePrinter& verbose() const { return verbose_; }
  FleetSummary& summary() { return summary_; }
  // The TLS client context of this thread's wss:// hops, made at the first
  // one (most fleets dial ws:// only); null, with `error`, when the CA file
  // cannot be loaded.
  tls::Context* tls_context(std::string& error);
  bool shutting_down() const { return shutting_down_; }
  std::function<void()> on_all_done;  // runs on this worker's thread

  void connection_opened() {
    connected_now_.fetch_add(1, std::memory_order_relaxed);
    sessions_.fetch_add(1, std::memory_order_relaxed);
  }
  void connection_closed() { connected_now_.fetch_sub(1, std::memory_order_relaxed); }

  // The common fields of an event about `router_id`: this fleet's source, and
  // now unless `t_ns` is given.
  history::Stamp stamp(std::uint64_t router_id, std::optional<std::int64_t> t_ns = std::nullopt) const;

 private:
  void client_finished();
  void spawn_next();
  void spawn_batch();
  void arm_flush();

  boost::asio::io_context io_{1};
  const FleetOptions& options_;
  EventSink& sink_;
  VerbosePrinter verbose_;
  std::atomic<std::uint64_t>& connected_now_;
  std::atomic<std::uint64_t>& sessions_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::shared_ptr<tls::Context> tls_context_;
  std::string tls_context_error_;
  FleetSummary summary_;
  std::size_t alive_ = 0;
  bool shutting_down_ = false;
  std::int64_t started_ns_ = 0;
  boost::asio::steady_timer shutdown_deadline_;
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer spawn_timer_;
  std::size_t spawned_ = 0;
};

}  // namespace wsfo::clients
