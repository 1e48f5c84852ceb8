#pragma once
// The client fleet of `wsfo clients` (issue 4): N reconnecting WebSocket
// clients in one process on Asio, one io_context per thread. Beast stays in
// fleet.cpp; this header is all its users see.
#include <atomic>
#include <cstdint>
#include <memory>

#include "clients/event_sink.hpp"
#include "clients/fleet_options.hpp"
#include "clients/fleet_summary.hpp"

namespace wsfo::clients {

class Fleet {
 public:
  Fleet(FleetOptions options, EventSink& sink);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Runs every client until the duration ends, stop() is called or (with
  // handle_signals) SIGINT/SIGTERM arrives; then closes all with 1000 (a peer
  // that does not answer is cut after close_timeout) and returns the summary.
  FleetSummary run();
  // Thread-safe; may be called before, during or after run().
  void stop();
  // Clients connected right now (thread-safe, for progress and benchmarks).
  std::uint64_t connected_now() const;
  // Sessions opened so far (thread-safe).
  std::uint64_t sessions_opened() const;

 private:
  struct Impl;
  static void run_workers(Impl& impl, const FleetOptions& options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsfo::clients
