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
// I/O: the two sockets are released from Asio and relayed as plain
// non-blocking descriptors with recv and send; the node's ReadinessPoller
// reports their edges (it spares the epoll_ctl call an Asio async_wait makes
// each time, and the second report of every arrival in Asio's own set).
//
// Memory: an idle connection holds no data buffer. Each direction waits for
// readability, then reads into one buffer shared by every connection of the
// thread and writes at once. Only when the sink cannot take everything
// (back-pressure) do the unwritten bytes move to a spill buffer of the
// connection's own, taken from a per-thread free list and given back when
// drained, and the pump waits for the sink's writable edge. Readiness is
// edge-triggered, so a pump waits only once it has read the source dry (a
// short read or would_block), or found the sink full.
//
// No heap allocation per message: buffers are reused, and the one deferred
// step of the loop (a yield, a write completion) gets its memory from a small
// fixed arena in the connection (HandlerMemory, Asio's associated-allocator
// hook).
#include "gateway/relay.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
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

// A relayed socket, released from Asio so that only the relay's poller
// watches it.
class Descriptor {
 public:
  explicit Descriptor(tcp::socket socket) {
    boost::system::error_code ec;
    fd_ = socket.release(ec);
    if (ec) fd_ = -1;  // the socket closes it; the relay's watch() then fails
    if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~Descriptor() { close(); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;

  int fd() const { return fd_; }
  void close() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

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
        to_upstream_(Side::client, client_.fd(), upstream_.fd(), std::move(start.client_pending)),
        to_client_(Side::upstream, upstream_.fd(), client_.fd(), std::move(start.upstream_pending)),
        client_watch_(*this, client_.fd(), to_upstream_, to_client_),
        upstream_watch_(*this, upstream_.fd(), to_client_, to_upstream_),
        timer_(node.io) {}

  ~Relay() override {
    node_.registry.remove(*this);
    unwatch();
    for (Pump* p : {&to_client_, &to_upstream_})
      if (p->spill) SpillPool::of_this_thread().give_back(std::move(p->spill), capacity_);
  }

  void run() {
    node_.registry.add(*this, slot_);
    node_.metrics.connection_opened(unit_);
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
  struct Pump {
    enum class State { relaying, inject_pending, injected };
    Pump(Side from, int source, int sink, std::vector<std::uint8_t> pending)
        : from(from), source(source), sink(sink), pending(std::move(pending)) {}

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
    void on_readiness(std::uint32_t events) override {
      const bool room = (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && writer.awaiting_room;
      const bool input = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
      if (!room) {
        if (input) relay.on_source_ready(reader);
        return;
      }
      auto self = relay.shared_from_this();  // serving the reader may end the relay
      if (input) relay.on_source_ready(reader);
      relay.on_sink_ready(writer);
    }

    Relay& relay;
    int fd;
    Pump& reader;
    Pump& writer;
    ReadinessPoller::Handle handle = 0;
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
    std::uint8_t* buffer = shared_read_buffer(capacity_);
    ssize_t got;
    do got = ::recv(p.source, buffer, capacity_, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0 && would_block(errno)) {
      p.drained = true;
      wait_readable(p);
      return false;
    }
    if (got <= 0) {  // end of stream, or the connection failed
      source_ended(p);
      return false;
    }
    const auto n = static_cast<std::size_t>(got);
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

  // From the poller: the sink of a pump parked on a full socket has room, or failed.
  void on_sink_ready(Pump& p) {
    if (!p.awaiting_room) return;
    p.awaiting_room = false;
    auto self = std::move(p.parked_for_room);
    if (finished_) return;
    continue_write(p);
  }

  // Both sockets go to the poller once, for the connection's lifetime.
  std::string watch() {
    std::string error;
    for (Watch* w : {&client_watch_, &upstream_watch_}) {
      w->handle = node_.readiness.add(w->fd, *w, error);
      if (!error.empty()) return error;
    }
    return {};
  }
  void unwatch() {
    for (Watch* w : {&client_watch_, &upstream_watch_}) {
      node_.readiness.remove(w->handle, w->fd);
      w->handle = 0;
    }
  }

  void yield(Pump& p) {
    keep_rest_of_chunk(p);
    p.writing = true;  // nothing else may start on this pump until the yield returns
    net::post(node_.io, with_memory(p.loop_memory, [self = shared_from_this(), &p]() {
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
      ssize_t sent = ::send(p.sink, data + written, size - written, MSG_NOSIGNAL);
      if (sent >= 0) {
        written += static_cast<std::size_t>(sent);
        continue;
      }
      if (errno == EINTR) continue;
      if (would_block(errno)) break;
      p.chunk_used = p.chunk_size;
      peer_lost(other(p.from));
      return !finished_;  // the pump now discards, waiting for its source's close reply
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
    write_later(p, from, to_write, false);
  }

  void write_close(Pump& p) {
    keep_rest_of_chunk(p);  // discarded later, but read for the source's close frame
    p.state = Pump::State::injected;
    write_later(p, p.close_frame->bytes.data(), p.close_frame->size, true);
  }

  // Writes [data, data + size) to the pump's sink, waiting for room whenever
  // it is full, then goes on pumping. It never completes within the call:
  // callers (close_with from the registry, a pump's own loop) may touch the
  // relay after it, so a write done at once completes through a post.
  void write_later(Pump& p, const std::uint8_t* data, std::size_t size, bool close_frame) {
    p.writing = true;
    p.out = data;
    p.out_left = size;
    p.out_is_close = close_frame;
    if (send_some(p) != Sent::would_block)
      net::post(node_.io, with_memory(p.loop_memory, [self = shared_from_this(), &p]() { self->continue_write(p); }));
    else
      park_for_room(p);
  }

  enum class Sent { all, would_block, failed };
  Sent send_some(Pump& p) {
    while (p.out_left > 0) {
      ssize_t sent = ::send(p.sink, p.out, p.out_left, MSG_NOSIGNAL);
      if (sent >= 0) {
        p.out += sent;
        p.out_left -= static_cast<std::size_t>(sent);
      } else if (errno != EINTR) {
        return would_block(errno) ? Sent::would_block : Sent::failed;
      }
    }
    return Sent::all;
  }

  void park_for_room(Pump& p) {
    p.awaiting_room = true;
    p.parked_for_room = shared_from_this();
  }

  void continue_write(Pump& p) {
    if (finished_) return;
    Sent sent = send_some(p);
    if (sent == Sent::would_block) return park_for_room(p);
    p.writing = false;
    p.drained = false;  // edges seen while the pump was busy were not acted on
    // A failed close frame means the sink is gone; the pump reading it will see that.
    if (sent == Sent::failed && !p.out_is_close) return peer_lost(other(p.from));
    pump(p);
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
      p->waiting = p->awaiting_room = false;
      p->parked.reset();
      p->parked_for_room.reset();
    }
    client_.close();
    upstream_.close();
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
  Descriptor client_;
  Descriptor upstream_;
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
};

}  // namespace

void start_relay(GatewayNode& node, RelayStart start) {
  auto relay = std::make_shared<Relay>(node, std::move(start));
  relay->run();
}

}  // namespace wsfo::gateway
