// The relay after the 101.
//
// Design: a raw byte relay, not two beast::websocket streams. After the 101
// the gateway copies bytes between the two TCP sockets through one fixed
// buffer per direction, as nginx does, so a message costs one read and one
// write per direction with no unmasking, re-masking or re-framing, and
// permessage-deflate and other extensions pass through untouched. Pings,
// pongs and close frames are relayed like any frame, so client heartbeats
// reach the backend and close codes are passed on. A FrameTracker per
// direction reads just the frame headers, which is what lets the gateway
// close a client at a frame boundary (4001 on a cutover, 1001 on shutdown or
// idle timeout) by finishing the frame in flight and then writing its own
// close frame.
//
// No heap allocation per message: the buffers are allocated once per
// connection, and every asynchronous operation of the steady-state loop gets
// its memory from a fixed arena in the connection (HandlerMemory, Asio's
// associated-allocator hook), so a relayed message allocates nothing.
#include "gateway/relay.hpp"

#include <boost/asio/write.hpp>
#include <random>

#include "core/gateway/frame_tracker.hpp"

namespace wsfo::gateway {

namespace {

// A fixed arena for one asynchronous operation at a time; a second
// concurrent request (rare: a timer re-armed before its cancelled wait ran)
// falls back to the heap.
class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;

  void* allocate(std::size_t size) {
    if (!in_use_ && size <= sizeof(storage_)) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(size);
  }
  void deallocate(void* pointer) {
    if (pointer == storage_)
      in_use_ = false;
    else
      ::operator delete(pointer);
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[768];
  bool in_use_ = false;
};

template <class T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory& memory) : memory_(&memory) {}
  template <class U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}
  T* allocate(std::size_t n) const { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* pointer, std::size_t) const { memory_->deallocate(pointer); }
  template <class U>
  bool operator==(const HandlerAllocator<U>& other) const noexcept {
    return memory_ == other.memory_;
  }

 private:
  template <class U>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

template <class Handler>
class WithMemory {
 public:
  using allocator_type = HandlerAllocator<Handler>;
  WithMemory(HandlerMemory& memory, Handler handler) : memory_(&memory), handler_(std::move(handler)) {}
  allocator_type get_allocator() const noexcept { return allocator_type(*memory_); }
  template <class... Args>
  void operator()(Args&&... args) {
    handler_(std::forward<Args>(args)...);
  }

 private:
  HandlerMemory* memory_;
  Handler handler_;
};

template <class Handler>
WithMemory<Handler> with_memory(HandlerMemory& memory, Handler handler) {
  return WithMemory<Handler>(memory, std::move(handler));
}

std::array<std::uint8_t, 4> random_mask() {
  thread_local std::minstd_rand generator{std::random_device{}()};
  std::array<std::uint8_t, 4> mask{};
  for (auto& b : mask) b = static_cast<std::uint8_t>(generator());
  return mask;
}

enum class Side { client, upstream };

class Relay final : public RegisteredConnection, public std::enable_shared_from_this<Relay> {
 public:
  Relay(GatewayNode& node, RelayStart&& start)
      : node_(node),
        client_(std::move(start.client)),
        upstream_(std::move(start.upstream)),
        unit_(std::move(start.unit)),
        slot_(start.slot),
        to_upstream_(Side::client, client_, upstream_, node.config.limits.relay_buffer_bytes,
                     std::move(start.client_pending)),
        to_client_(Side::upstream, upstream_, client_, node.config.limits.relay_buffer_bytes,
                   std::move(start.upstream_pending)),
        timer_(client_.get_executor()) {}

  ~Relay() override { node_.registry.remove(*this); }

  void run() {
    node_.registry.add(*this, slot_);
    node_.metrics.connection_opened(unit_);
    last_activity_ = std::chrono::steady_clock::now();
    arm_idle_timer(last_activity_ + node_.config.limits.idle_timeout);
    step(to_client_);
    step(to_upstream_);
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
      if (p->reading && !p->writing && p->tracker.at_boundary()) write_close(*p, p->inject_memory);
    }
    arm_close_timer();
  }

  void drop() override {
    if (!close_code_) close_code_ = 1006;
    finish();
  }

 private:
  struct Pump {
    enum class State { relaying, inject_pending, injected };
    Pump(Side from, tcp::socket& source, tcp::socket& sink, std::size_t capacity, std::vector<std::uint8_t> pending)
        : from(from),
          source(source),
          sink(sink),
          buffer(new std::uint8_t[capacity]),
          capacity(capacity),
          pending(std::move(pending)) {}

    Side from;  // the side it reads
    tcp::socket& source;
    tcp::socket& sink;
    std::unique_ptr<std::uint8_t[]> buffer;
    std::size_t capacity;
    std::vector<std::uint8_t> pending;
    bool pending_taken = false;
    FrameTracker tracker;  // follows what was read from the source
    State state = State::relaying;
    bool reading = false;
    bool writing = false;
    bool source_done = false;  // the source ended or answered our close
    const std::uint8_t* chunk = nullptr;
    std::size_t chunk_size = 0;
    std::size_t chunk_used = 0;
    std::array<std::uint8_t, kMaxCloseFrameSize> close_frame{};
    std::size_t close_frame_size = 0;
    HandlerMemory loop_memory;    // the read or write of the relay loop
    HandlerMemory inject_memory;  // a close frame written while a read is pending
  };

  Pump& pump_from(Side side) { return side == Side::client ? to_upstream_ : to_client_; }
  Pump& pump_to(Side side) { return side == Side::client ? to_client_ : to_upstream_; }

  void prepare_close_frame(Pump& p, std::uint16_t code, std::string_view reason) {
    // Frames toward the upstream go from a client role, so they are masked.
    std::optional<std::array<std::uint8_t, 4>> mask;
    if (p.from == Side::client) mask = random_mask();
    p.close_frame_size = encode_close_frame(p.close_frame, code, reason, mask);
  }

  // Decides the pump's next operation; called when it has none outstanding.
  void step(Pump& p) {
    if (finished_) return;
    if (p.state == Pump::State::inject_pending && p.tracker.at_boundary()) return write_close(p, p.loop_memory);
    if (p.chunk_used == p.chunk_size) {
      if (!p.pending_taken && !p.pending.empty()) return take_pending(p);
      if (!p.source_done) return read(p);
      if (p.state == Pump::State::inject_pending) return finish();  // cut mid-frame: no clean close possible
      return maybe_finish();
    }
    const std::uint8_t* data = p.chunk + p.chunk_used;
    std::size_t left = p.chunk_size - p.chunk_used;
    if (p.state == Pump::State::injected) {  // the sink has our close: discard, but notice the source's close
      p.tracker.consume(data, left);
      p.chunk_used = p.chunk_size;
      if (p.tracker.close_seen()) {
        p.source_done = true;
        return maybe_finish();
      }
      return read(p);
    }
    std::size_t used = p.tracker.consume(data, left, p.state == Pump::State::inject_pending);
    p.chunk_used += used;
    if (!first_closer_ && p.tracker.close_seen()) first_closer_ = &p;
    write(p, data, used);
  }

  void take_pending(Pump& p) {
    // Bytes read together with the handshake are relayed first, like a read.
    p.pending_taken = true;
    p.chunk = p.pending.data();
    p.chunk_size = p.pending.size();
    p.chunk_used = 0;
    count_bytes(p, p.chunk_size);
    step(p);
  }

  void read(Pump& p) {
    p.reading = true;
    p.source.async_read_some(
        net::buffer(p.buffer.get(), p.capacity),
        with_memory(p.loop_memory, [self = shared_from_this(), &p](const boost::system::error_code& ec, std::size_t n) {
          self->on_read(p, ec, n);
        }));
  }

  void on_read(Pump& p, const boost::system::error_code& ec, std::size_t n) {
    p.reading = false;
    if (finished_) return;
    if (ec) return source_ended(p);
    last_activity_ = std::chrono::steady_clock::now();
    count_bytes(p, n);
    p.chunk = p.buffer.get();
    p.chunk_size = n;
    p.chunk_used = 0;
    if (!p.writing) step(p);  // else: the injected close frame's completion steps
  }

  void count_bytes(const Pump& p, std::size_t n) {
    if (p.from == Side::client)
      node_.metrics.add_client_to_backend_bytes(n);
    else
      node_.metrics.add_backend_to_client_bytes(n);
  }

  void write(Pump& p, const std::uint8_t* data, std::size_t size) {
    p.writing = true;
    net::async_write(
        p.sink, net::buffer(data, size),
        with_memory(p.loop_memory, [self = shared_from_this(), &p](const boost::system::error_code& ec, std::size_t) {
          p.writing = false;
          if (self->finished_) return;
          if (ec) return self->peer_lost(p.from == Side::client ? Side::upstream : Side::client);
          self->step(p);
        }));
  }

  void write_close(Pump& p, HandlerMemory& memory) {
    p.state = Pump::State::injected;
    p.writing = true;
    net::async_write(
        p.sink, net::buffer(p.close_frame.data(), p.close_frame_size),
        with_memory(memory, [self = shared_from_this(), &p](const boost::system::error_code&, std::size_t) {
          p.writing = false;
          if (self->finished_) return;
          // A failed write means the sink is gone; the pump reading it will see that.
          if (!p.reading) self->step(p);
        }));
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
    if (!from_lost.reading && !from_lost.writing) step(from_lost);
    if (!finished_) maybe_finish();
  }

  void maybe_finish() {
    if (to_client_.source_done && to_upstream_.source_done) finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ignored;
    timer_.cancel(ignored);
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
    timer_.async_wait(
        with_memory(close_timer_memory_, [self = shared_from_this()](const boost::system::error_code& ec) {
          if (!ec) self->finish();
        }));
  }

  GatewayNode& node_;
  tcp::socket client_;
  tcp::socket upstream_;
  std::string unit_;
  std::optional<std::uint32_t> slot_;
  Pump to_upstream_;
  Pump to_client_;
  net::steady_timer timer_;
  HandlerMemory timer_memory_;
  HandlerMemory close_timer_memory_;
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
