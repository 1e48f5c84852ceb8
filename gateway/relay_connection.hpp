#pragma once
// Internal to the relay (relay.cpp, relay_pump.cpp, relay_close.cpp): one
// relayed connection after its 101.
//
// Design: a raw byte relay, not two beast::websocket streams. After the 101
// the gateway copies bytes between the two TCP sockets, as nginx does, so a
// message costs one read and one write per direction with no unmasking,
// re-masking or re-framing, and permessage-deflate and other extensions pass
// through untouched. Pings, pongs and close frames are relayed like any
// frame, so client heartbeats reach the backend and close codes are passed
// on. A FrameTracker per direction reads just the frame headers, which is
// what lets the gateway close a client at a frame boundary (4001 on a
// cutover, 1001 on shutdown or idle timeout) by finishing the frame in flight
// and then writing its own close frame. The trackers also judge each header
// by RFC 6455 (core/gateway/frame_rules): the client's frames with the
// message size limit, the upstream's without; the first frame that breaks a
// rule is not relayed, and the connection is closed in front of it
// (relay_close.cpp, reject_frames).
//
// I/O: the two sockets are released from Asio and relayed as plain
// non-blocking descriptors (relay_descriptor.hpp); the node's ReadinessPoller
// reports their edges. Readiness is edge-triggered, so a pump waits only once
// it has read the source dry (a short read or would_block), or found the sink
// full. Buffers: relay_buffers.hpp.
//
// No heap allocation per message: buffers are reused, and the one deferred
// step of the loop (a yield, a write completion) gets its memory from a small
// fixed arena in the connection (HandlerMemory, Asio's associated-allocator
// hook).
#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gateway/frame_tracker.hpp"
#include "gateway/handler_memory.hpp"
#include "gateway/relay.hpp"
#include "gateway/relay_descriptor.hpp"

namespace wsfo::gateway {

enum class Side { client, upstream };

struct CloseFrame {
  std::array<std::uint8_t, kMaxCloseFrameSize> bytes{};
  std::size_t size = 0;
};

class Relay final : public RegisteredConnection, public std::enable_shared_from_this<Relay> {
 public:
  Relay(GatewayNode& node, RelayStart&& start);
  ~Relay() override;

  void run();
  void close_with(std::uint16_t code, std::string_view reason) override;
  void drop() override;
  void orphan() override;
  void hold_as_orphan() override;
  void release_held_orphan() override;
  // Behind the TLS front, the client's own TCP socket (which the front
  // keeps open until the relay closes its end), so VIP releases find it and
  // an orphan's reset reaches the client.
  int client_descriptor() const override { return client_tcp_ >= 0 ? client_tcp_ : client_.fd(); }

 private:
  // One direction: reads its source, writes its sink.
  struct Pump {
    enum class State { relaying, inject_pending, injected };
    Pump(Side from, int source, int sink, std::vector<std::uint8_t> pending, const FramePolicy& policy)
        : from(from), source(source), sink(sink), pending(std::move(pending)), tracker(policy) {}

    Side from;  // the side it reads
    int source;
    int sink;
    std::vector<std::uint8_t> pending;      // read with the handshake; released once relayed
    std::unique_ptr<std::uint8_t[]> spill;  // only while the sink lags behind
    FrameTracker tracker;                   // follows what was read from the source
    State state = State::relaying;
    bool waiting = false;                    // parked until the poller reports readiness
    std::shared_ptr<Relay> parked;           // keeps the relay alive while waiting to read
    std::shared_ptr<Relay> parked_for_room;  // and while waiting to write
    bool writing = false;                    // a deferred write (spill or close frame) or a yield is pending
    bool awaiting_room = false;              // that write found the sink full: parked until it is writable
    const std::uint8_t* out = nullptr;       // the rest of that write
    std::size_t out_left = 0;
    bool out_is_close = false;  // a failed close frame is no loss: the source's reader sees the end
    bool drained = false;       // the source was read dry since the last pause
    bool source_done = false;   // the source ended or answered our close
    const std::uint8_t* chunk = nullptr;
    std::size_t chunk_size = 0;
    std::size_t chunk_used = 0;               // followed by the tracker and written (or being written)
    std::unique_ptr<CloseFrame> close_frame;  // only once closing
    HandlerMemory loop_memory;                // the deferred completion or yield of the relay loop
  };

  // One per socket: its readable edges go to the pump reading it, its
  // writable ones to the pump writing it.
  struct Watch final : ReadinessTarget {
    Watch(Relay& relay, int fd, Pump& reader, Pump& writer) : relay(relay), fd(fd), reader(reader), writer(writer) {}
    void on_readiness(std::uint32_t events) override;

    Relay& relay;
    int fd;
    Pump& reader;
    Pump& writer;
    ReadinessPoller::Handle handle = 0;
  };

  Pump& pump_from(Side side) { return side == Side::client ? to_upstream_ : to_client_; }
  Pump& pump_to(Side side) { return side == Side::client ? to_client_ : to_upstream_; }
  static Side other(Side side) { return side == Side::client ? Side::upstream : Side::client; }

  // relay.cpp: the connection's lifetime.
  std::string watch();
  void unwatch();
  void arm_idle_timer(std::chrono::steady_clock::time_point at);
  void arm_close_timer();

  // relay_pump.cpp: moving bytes from a source to a sink.
  void pump(Pump& p);
  bool advance(Pump& p);
  void release_chunk(Pump& p);
  bool take_pending(Pump& p);
  bool read(Pump& p);
  void wait_readable(Pump& p);
  void on_source_ready(Pump& p);
  void on_sink_ready(Pump& p);
  void yield(Pump& p);
  void count_bytes(const Pump& p, std::size_t n);
  bool write(Pump& p, const std::uint8_t* data, std::size_t size);
  void keep_rest_of_chunk(Pump& p);
  void spill(Pump& p, const std::uint8_t* from, std::size_t to_write);
  void write_later(Pump& p, const std::uint8_t* data, std::size_t size, bool close_frame);
  enum class Sent { all, would_block, failed };
  Sent send_some(Pump& p);
  void park_for_room(Pump& p);
  void continue_write(Pump& p);
  static constexpr int kRoundsBeforeYield = 32;

  // relay_orphan.cpp: a client whose VIP moved to another host.
  bool silenced(const Pump& p) const { return orphaned_ && p.from == Side::upstream; }
  bool discard_for_orphan(Pump& p);
  bool swallow_held_orphan_read(Pump& p, ssize_t got);
  void reset_orphan();

  // relay_close.cpp: ending the connection, cleanly or not.
  void prepare_close_frame(Pump& p, std::uint16_t code, std::string_view reason);
  void reject_frames(Pump& p);
  void write_close(Pump& p);
  void source_ended(Pump& p);
  void peer_lost(Side lost);
  void maybe_finish();
  void finish();

  GatewayNode& node_;
  Descriptor client_;
  Descriptor upstream_;
  int client_tcp_;
  std::string unit_;
  std::optional<std::uint32_t> slot_;
  std::size_t capacity_;  // of the shared read buffer and of spill buffers
  Pump to_upstream_;
  Pump to_client_;
  Watch client_watch_;
  Watch upstream_watch_;
  net::steady_timer timer_;
  HandlerMemory timer_memory_;
  std::chrono::steady_clock::time_point last_activity_;
  bool closing_ = false;
  bool finished_ = false;
  std::optional<std::uint16_t> close_code_;
  const Pump* first_closer_ = nullptr;
  bool orphaned_ = false;  // its VIP left this node: the client hears nothing more
  bool client_was_reset_ = false;
  bool orphan_held_ = false;  // powered off: no reset until another host holds the VIP
  bool held_client_sent_ = false;
};

}  // namespace wsfo::gateway
