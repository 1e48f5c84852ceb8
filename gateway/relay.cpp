// The relay after the 101.
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
// and then writing its own close frame.
//
// Memory: an idle connection holds no data buffer. Each direction waits for
// readability (the node's ReadinessPoller, which spares the epoll_ctl call an
// Asio async_wait makes each time), then reads into one buffer shared by every
// connection of the thread and writes at once, non-blocking. Only when the
// sink cannot take everything (back-pressure) do the unwritten bytes move to
// a spill buffer of the connection's own, taken from a per-thread free list
// and given back when drained. Readiness is edge-triggered, so a pump waits
// only once it has read the source dry (a short read or would_block), and
// reads before waiting after any pause in which an edge may have gone unseen.
//
// No heap allocation per message: buffers are reused, and every asynchronous
// operation of the steady-state loop gets its memory from a small fixed arena
// in the connection (HandlerMemory, Asio's associated-allocator hook).
#include "gateway/relay.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <random>

#include "core/gateway/frame_tracker.hpp"
#include "gateway/handler_memory.hpp"

namespace wsfo::gateway {

namespace {

std::array<std::uint8_t, 4> random_mask() {
  thread_local std::minstd_rand generator{std::random_device{}()};
  std::array<std::uint8_t, 4> mask{};
  for (auto& b : mask) b = static_cast<std::uint8_t>(generator());
  return mask;
}

enum class Side { client, upstream };

// The buffer every connection of this thread reads into; bytes stay in it
// only while the handler that read them runs.
std::uint8_t* shared_read_buffer(std::size_t capacity) {
  thread_local std::vector<std::uint8_t> buffer;
  if (buffer.size() < capacity) buffer.resize(capacity);
  return buffer.data();
}

// Spill buffers for bytes a sink could not take at once; reused, so a
// connection under back-pressure does not allocate per message either.
class SpillPool {
 public:
  std::unique_ptr<std::uint8_t[]> take(std::size_t capacity) {
    if (capacity != capacity_) free_.clear(), capacity_ = capacity;
    if (free_.empty()) return std::unique_ptr<std::uint8_t[]>(new std::uint8_t[capacity]);
    auto buffer = std::move(free_.back());
    free_.pop_back();
    return buffer;
  }
  void give_back(std::unique_ptr<std::uint8_t[]> buffer, std::size_t capacity) {
    if (capacity == capacity_ && free_.size() < kKept) free_.push_back(std::move(buffer));
  }
  static SpillPool& of_this_thread() {
    thread_local SpillPool pool;
    return pool;
  }

 private:
  static constexpr std::size_t kKept = 256;
  std::vector<std::unique_ptr<std::uint8_t[]>> free_;
  std::size_t capacity_ = 0;
};

struct CloseFrame {
  std::array<std::uint8_t, kMaxCloseFrameSize> bytes{};
  std::size_t size = 0;
};

class Relay final : public RegisteredConnection, public std::enable_shared_from_this<Relay> {
 public:
  Relay(GatewayNode& node, RelayStart&& start)
      : node_(node),
        client_(std::move(start.client)),
        upstream_(std::move(start.upstream)),
        unit_(std::move(start.unit)),
        slot_(start.slot),
        capacity_(node.config.limits.relay_buffer_bytes),
        to_upstream_(*this, Side::client, client_, upstream_, std::move(start.client_pending)),
        to_client_(*this, Side::upstream, upstream_, client_, std::move(start.upstream_pending)),
        timer_(client_.get_executor()) {}

  ~Relay() override {
    node_.registry.remove(*this);
    unwatch();
    for (Pump* p : {&to_client_, &to_upstream_})
      if (p->spill) SpillPool::of_this_thread().give_back(std::move(p->spill), capacity_);
  }

  void run() {
    node_.registry.add(*this, slot_);
    node_.metrics.connection_opened(unit_);
    boost::system::error_code ignored;
    client_.non_blocking(true, ignored);  // writes are tried at once; would_block means back-pressure
    upstream_.non_blocking(true, ignored);
    if (std::string error = watch(); !error.empty()) {
      log_line(node_) << "relay: cannot wait for readiness: " << error << "\n";
      return drop();
    }
    last_activity_ = std::chrono::steady_clock::now();
    arm_idle_timer(last_activity_ + node_.config.limits.idle_timeout);
    pump(to_client_);
    pump(to_upstream_);
  }

  void close_with(std::uint16_t code, std::string_view reason) override {
    if (closing_ || finished_) return;
    closing_ = true;
    close_code_ = code;
    for (Pump* p : {&to_client_, &to_upstream_}) {
      if (p->source_done) continue;
      prepare_close_frame(*p, code, reason);
      p->state = Pump::State::inject_pending;
      // A pump waiting for input at a frame boundary would not look at its
      // state again until data arrives: write its close frame now.
      if (p->waiting && !p->writing && p->tracker.at_boundary()) write_close(*p);
    }
    arm_close_timer();
  }

  void drop() override {
    if (!close_code_) close_code_ = 1006;
    finish();
  }

 private:
  struct Pump final : ReadinessTarget {
    enum class State { relaying, inject_pending, injected };
    Pump(Relay& relay, Side from, tcp::socket& source, tcp::socket& sink, std::vector<std::uint8_t> pending)
        : relay(relay), from(from), source(source), sink(sink), pending(std::move(pending)) {}
    void on_readiness() override { relay.on_source_ready(*this); }

    Relay& relay;
    Side from;  // the side it reads
    tcp::socket& source;
    tcp::socket& sink;
    std::vector<std::uint8_t> pending;      // read with the handshake; released once relayed
    std::unique_ptr<std::uint8_t[]> spill;  // only while the sink lags behind
    FrameTracker tracker;                   // follows what was read from the source
    State state = State::relaying;
    bool waiting = false;      // parked until the poller reports readiness
    std::shared_ptr<Relay> parked;  // keeps the relay alive while waiting
    ReadinessPoller::Handle watched = 0;
    bool writing = false;      // an async write (spill or close frame) is pending
    bool drained = false;      // the source was read dry since the last pause
    bool source_done = false;  // the source ended or answered our close
    const std::uint8_t* chunk = nullptr;
    std::size_t chunk_size = 0;
    std::size_t chunk_used = 0;               // followed by the tracker and written (or being written)
    std::unique_ptr<CloseFrame> close_frame;  // only once closing
    HandlerMemory loop_memory;                // the spill write or yield of the relay loop
  };

  Pump& pump_from(Side side) { return side == Side::client ? to_upstream_ : to_client_; }
  Pump& pump_to(Side side) { return side == Side::client ? to_client_ : to_upstream_; }
  Side other(Side side) { return side == Side::client ? Side::upstream : Side::client; }

  void prepare_close_frame(Pump& p, std::uint16_t code, std::string_view reason) {
    // Frames toward the upstream go from a client role, so they are masked.
    std::optional<std::array<std::uint8_t, 4>> mask;
    if (p.from == Side::client) mask = random_mask();
    if (!p.close_frame) p.close_frame = std::make_unique<CloseFrame>();
    p.close_frame->size = encode_close_frame(p.close_frame->bytes, code, reason, mask);
  }

  // Runs the pump until it starts an asynchronous operation or is done. A
  // source that never runs dry gets a yield now and then, so one busy
  // connection cannot starve the others.
  void pump(Pump& p) {
    for (int rounds = 0; advance(p); ++rounds) {
      if (rounds == kRoundsBeforeYield) return yield(p);
    }
  }
  static constexpr int kRoundsBeforeYield = 32;

  // One step; true when the pump can go on at once.
  bool advance(Pump& p) {
    if (finished_ || p.waiting || p.writing) return false;
    if (p.state == Pump::State::inject_pending && p.tracker.at_boundary()) {
      write_close(p);
      return false;
    }
    if (p.chunk_used == p.chunk_size) {
      release_chunk(p);
      if (!p.pending.empty() && !p.chunk) return take_pending(p);
      if (!p.source_done) return read(p);
      if (p.state == Pump::State::inject_pending) {  // cut mid-frame: no clean close possible
        finish();
        return false;
      }
      maybe_finish();
      return false;
    }
    const std::uint8_t* data = p.chunk + p.chunk_used;
    std::size_t left = p.chunk_size - p.chunk_used;
    if (p.state == Pump::State::injected) {  // the sink has our close: discard, but notice the source's close
      p.tracker.consume(data, left);
      p.chunk_used = p.chunk_size;
      if (p.tracker.close_seen()) {
        p.source_done = true;
        maybe_finish();
        return false;
      }
      return true;
    }
    std::size_t used = p.tracker.consume(data, left, p.state == Pump::State::inject_pending);
    if (!first_closer_ && p.tracker.close_seen()) first_closer_ = &p;
    return write(p, data, used);
  }

  // The chunk is relayed: give back what held it.
  void release_chunk(Pump& p) {
    if (p.spill && p.chunk == p.spill.get()) SpillPool::of_this_thread().give_back(std::move(p.spill), capacity_);
    if (!p.pending.empty() && p.chunk == p.pending.data()) std::vector<std::uint8_t>().swap(p.pending);
    p.chunk = nullptr;
    p.chunk_size = p.chunk_used = 0;
  }

  bool take_pending(Pump& p) {
    // Bytes read together with the handshake are relayed first, like a read.
    p.chunk = p.pending.data();
    p.chunk_size = p.pending.size();
    p.chunk_used = 0;
    count_bytes(p, p.chunk_size);
    return true;
  }

  bool read(Pump& p) {
    if (p.drained) {
      wait_readable(p);
      return false;
    }
    boost::system::error_code ec;
    std::uint8_t* buffer = shared_read_buffer(capacity_);
    std::size_t n = p.source.read_some(net::buffer(buffer, capacity_), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      p.drained = true;
      wait_readable(p);
      return false;
    }
    if (ec) {
      source_ended(p);
      return false;
    }
    p.drained = n < capacity_;  // a short read emptied the socket; a later arrival raises a new edge
    last_activity_ = std::chrono::steady_clock::now();
    count_bytes(p, n);
    p.chunk = buffer;
    p.chunk_size = n;
    p.chunk_used = 0;
    return true;
  }

  void wait_readable(Pump& p) {
    p.waiting = true;
    p.parked = shared_from_this();
  }

  // From the poller: the source may be readable, or hung up, or failed (the
  // next read tells which). Seen while not waiting, it makes the next read() read.
  void on_source_ready(Pump& p) {
    p.drained = false;
    if (!p.waiting) return;
    p.waiting = false;
    auto self = std::move(p.parked);
    if (finished_) return;
    pump(p);  // while a close frame is being written, its completion pumps
  }

  // Both sources go to the poller once, for the connection's lifetime.
  std::string watch() {
    std::string error;
    for (Pump* p : {&to_client_, &to_upstream_}) {
      p->watched = node_.readiness.add(p->source.native_handle(), *p, error);
      if (!error.empty()) return error;
    }
    return {};
  }
  void unwatch() {
    for (Pump* p : {&to_client_, &to_upstream_}) {
      node_.readiness.remove(p->watched, p->source.native_handle());
      p->watched = 0;
    }
  }

  void yield(Pump& p) {
    keep_rest_of_chunk(p);
    p.writing = true;  // nothing else may start on this pump until the yield returns
    net::post(client_.get_executor(), with_memory(p.loop_memory, [self = shared_from_this(), &p]() {
                p.writing = false;
                self->pump(p);
              }));
  }

  void count_bytes(const Pump& p, std::size_t n) {
    if (p.from == Side::client)
      node_.metrics.add_client_to_backend_bytes(n);
    else
      node_.metrics.add_backend_to_client_bytes(n);
  }

  // Writes `size` bytes at `data` (inside the chunk) at once when the sink
  // takes them; otherwise the rest of the chunk moves to a spill buffer and
  // the remainder is written asynchronously. True when all went at once.
  bool write(Pump& p, const std::uint8_t* data, std::size_t size) {
    std::size_t written = 0;
    while (written < size) {
      boost::system::error_code ec;
      written += p.sink.write_some(net::buffer(data + written, size - written), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) break;
      if (ec) {
        p.chunk_used = p.chunk_size;
        peer_lost(other(p.from));
        return !finished_;  // the pump now discards, waiting for its source's close reply
      }
    }
    if (written == size) {
      p.chunk_used += size;
      return true;
    }
    spill(p, data + written, size - written);
    return false;
  }

  // Before the pump pauses with bytes of the shared buffer not yet relayed:
  // they move to the pump's spill buffer, since other connections read into
  // the shared one meanwhile.
  void keep_rest_of_chunk(Pump& p) {
    bool shared = p.chunk && p.chunk != p.spill.get() && (p.pending.empty() || p.chunk != p.pending.data());
    if (!shared || p.chunk_used == p.chunk_size) return;
    std::size_t keep = p.chunk_size - p.chunk_used;
    if (!p.spill) p.spill = SpillPool::of_this_thread().take(capacity_);
    std::copy_n(p.chunk + p.chunk_used, keep, p.spill.get());
    p.chunk = p.spill.get();
    p.chunk_size = keep;
    p.chunk_used = 0;
  }

  void spill(Pump& p, const std::uint8_t* from, std::size_t to_write) {
    p.chunk_used = static_cast<std::size_t>(from - p.chunk);
    keep_rest_of_chunk(p);
    from = p.chunk + p.chunk_used;
    p.chunk_used += to_write;
    p.writing = true;
    net::async_write(
        p.sink, net::buffer(from, to_write),
        with_memory(p.loop_memory, [self = shared_from_this(), &p](const boost::system::error_code& ec, std::size_t) {
          p.writing = false;
          p.drained = false;  // edges seen while no wait was pending were not reported
          if (self->finished_) return;
          if (ec) return self->peer_lost(self->other(p.from));
          self->pump(p);
        }));
  }

  void write_close(Pump& p) {
    keep_rest_of_chunk(p);  // discarded later, but read for the source's close frame
    p.state = Pump::State::injected;
    p.writing = true;
    net::async_write(p.sink, net::buffer(p.close_frame->bytes.data(), p.close_frame->size),
                     [self = shared_from_this(), &p](const boost::system::error_code&, std::size_t) {
                       p.writing = false;
                       p.drained = false;
                       if (self->finished_) return;
                       // A failed write means the sink is gone; the pump reading it will see that.
                       self->pump(p);
                     });
  }

  void source_ended(Pump& p) {
    if (!closing_ && p.tracker.close_seen()) return finish();  // the close handshake was relayed
    peer_lost(p.from);
  }

  // `lost` ended without a close handshake (or failed a write): the other
  // side gets a close frame, nothing more goes to `lost`.
  void peer_lost(Side lost) {
    Pump& from_lost = pump_from(lost);
    Pump& to_lost = pump_to(lost);
    from_lost.source_done = true;
    to_lost.state = Pump::State::injected;
    if (!closing_) {
      closing_ = true;
      close_code_ = lost == Side::upstream ? 1011 : 1006;
      if (lost == Side::upstream)
        prepare_close_frame(from_lost, 1011, "backend connection lost");
      else
        prepare_close_frame(from_lost, 1001, "client connection lost");
      from_lost.state = Pump::State::inject_pending;
      arm_close_timer();
    }
    if (!from_lost.waiting && !from_lost.writing) pump(from_lost);
    if (!finished_) maybe_finish();
  }

  void maybe_finish() {
    if (to_client_.source_done && to_upstream_.source_done) finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    auto self = shared_from_this();  // the parked references below may be the last ones
    boost::system::error_code ignored;
    timer_.cancel(ignored);
    unwatch();
    for (Pump* p : {&to_client_, &to_upstream_}) {
      p->waiting = false;
      p->parked.reset();
    }
    for (tcp::socket* s : {&client_, &upstream_}) {
      s->shutdown(tcp::socket::shutdown_both, ignored);
      s->close(ignored);
    }
    node_.registry.remove(*this);
    if (!close_code_) close_code_ = first_closer_ ? first_closer_->tracker.close_code().value_or(1005) : 1006;
    node_.metrics.connection_closed(unit_, *close_code_);
  }

  void arm_idle_timer(std::chrono::steady_clock::time_point at) {
    timer_.expires_at(at);
    timer_.async_wait(with_memory(timer_memory_, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->finished_ || self->closing_) return;
      auto idle_until = self->last_activity_ + self->node_.config.limits.idle_timeout;
      if (std::chrono::steady_clock::now() >= idle_until) return self->close_with(1001, "idle timeout");
      self->arm_idle_timer(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(idle_until));
    }));
  }

  void arm_close_timer() {
    timer_.expires_after(node_.config.limits.close_timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->finish();
    });
  }

  GatewayNode& node_;
  tcp::socket client_;
  tcp::socket upstream_;
  std::string unit_;
  std::optional<std::uint32_t> slot_;
  std::size_t capacity_;  // of the shared read buffer and of spill buffers
  Pump to_upstream_;
  Pump to_client_;
  net::steady_timer timer_;
  HandlerMemory timer_memory_;
  std::chrono::steady_clock::time_point last_activity_;
  bool closing_ = false;
  bool finished_ = false;
  std::optional<std::uint16_t> close_code_;
  const Pump* first_closer_ = nullptr;
};

}  // namespace

void start_relay(GatewayNode& node, RelayStart start) {
  auto relay = std::make_shared<Relay>(node, std::move(start));
  relay->run();
}

}  // namespace wsfo::gateway
