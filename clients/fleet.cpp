// The fleet's only Asio/Beast translation unit. Memory per idle client matters
// (issue 4: at most 4 KiB of user-space RSS), so a client is one object with a
// socket, one timer (connect watchdog, heartbeat, close timeout and reconnect
// delay in turn) and a 128-byte read buffer; Beast writes the upgrade request
// and parses the answer, and the frames are handled by core's ws::FrameParser
// (a Beast websocket::stream alone costs about 2.8 KiB per open connection).
// Strings for partial messages and queued frames exist only while in use.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <charconv>
#include <functional>
#include <mutex>
#include <thread>

#include "clients/fleet.hpp"
#include "clients/monotonic_clock.hpp"
#include "core/clients/backend_messages.hpp"
#include "core/clients/redirect_follower.hpp"
#include "core/clients/sequence_tracker.hpp"
#include "core/clients/ws_frame.hpp"
#include "core/util/random.hpp"

namespace wsfo::clients {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

std::string ms_text(Nanos d) { return std::to_string(d.count() / 1'000'000); }

std::string one_line(std::string_view text, std::size_t limit = 200) {
  std::string line(text.substr(0, text.find_first_of("\r\n")));
  if (line.size() > limit) line = line.substr(0, limit) + "...";
  return line;
}

std::optional<Nanos> parse_retry_after(std::string_view value) {
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0 || seconds > 86400) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// Why an attempt failed, for the `rejected` event.
struct Failure {
  Failure(std::string e, std::string r) : error(std::move(e)), reason(std::move(r)) {}
  std::string error;   // stable code (docs/history.md)
  std::string reason;  // for people
  int status = 0;      // HTTP status when there was one
  std::optional<Nanos> retry_after;
};

// Why a connection ended, for the `disconnected` event.
enum class EndCause : std::uint8_t { none, shutdown, close_after, idle_timeout, pong_timeout };

class Worker;

class Client : private ws::FrameHandler {
 public:
  Client(Worker& worker, std::uint64_t router_id, std::uint64_t index);

  awaitable<void> run();
  // Shutdown: a clean close (1000) when open, otherwise stop at once.
  void request_close();
  // Cut the connection without a close handshake (peer does not answer).
  void cut();
  std::uint64_t router_id() const { return router_id_; }

 private:
  enum class Phase : std::uint8_t { idle, connecting, open, done };
  using Response = http::response<http::string_body>;

  awaitable<bool> attempt(std::optional<Nanos>& retry_after, beast::flat_buffer& buffer);
  awaitable<std::optional<Failure>> hop(const WsUrl& url, Response& response, beast::flat_buffer& buffer);
  awaitable<void> session(std::string early_bytes);
  awaitable<void> sleep(Nanos delay);

  void on_open(const WsUrl& url, const Response& response, std::int64_t hop_started, int redirects);
  void on_message(std::string_view text);
  void emit_connected_if_pending();
  void report_end(const error_code& ec);
  void reset_connection();
  bool take_bytes(std::string_view bytes);

  // ws::FrameHandler
  void on_message_data(std::string_view data, bool last) override;
  void on_ping(std::string_view payload) override;
  void on_pong(std::string_view payload) override;
  void on_close(std::uint16_t code, std::string_view reason) override;

  void send(ws::Opcode opcode, std::string_view payload);
  void send_close(std::uint16_t code);
  void flush_outbox();

  void arm_connect_watchdog();
  void arm_heartbeat();
  void on_heartbeat();
  void arm_close_timeout();
  void end_with(EndCause cause);

  std::string target_for(const WsUrl& url) const;

  Worker& worker_;
  std::uint64_t router_id_;
  std::uint64_t index_;
  util::SplitMix64 rng_;
  ReconnectPolicy policy_;
  tcp::socket socket_;
  net::steady_timer timer_;
  ws::FrameParser parser_;
  std::uint32_t attempts_ = 0;
  std::uint32_t timer_generation_ = 0;
  std::uint32_t connection_generation_ = 0;  // write handlers of an older connection do nothing
  Phase phase_ = Phase::idle;
  EndCause end_cause_ = EndCause::none;
  bool stopping_ = false;
  bool connect_timed_out_ = false;
  bool writing_ = false;
  bool close_sent_ = false;      // our close frame is queued or sent
  bool close_received_ = false;  // the peer's close frame arrived
  bool peer_closed_first_ = false;
  bool close_timed_out_ = false;
  bool pending_connected_ = false;  // the `connected` event waits for the welcome text
  std::uint16_t peer_close_code_ = 0;
  std::int64_t opened_ns_ = 0;
  std::int64_t last_heard_ns_ = 0;
  std::int64_t ping_sent_ns_ = 0;     // 0: no ping unanswered
  std::int64_t disconnected_ns_ = 0;  // 0: never connected yet
  std::int64_t handshake_ns_ = 0;
  std::int64_t sent_number_ = 0;  // the first message (Date.now()), to recognise its echo
  std::uint8_t redirects_ = 0;
  std::string unit_, node_, backend_, url_text_, peer_close_reason_;
  std::string outbox_, in_flight_;  // frames to write, frames being written: empty when idle
  SequenceTracker sequence_;
  std::string partial_;  // a message larger than read_buffer_, while it arrives
  std::array<char, 128> read_buffer_{};
};

class Worker {
 public:
  Worker(const FleetOptions& options, EventSink& sink, std::atomic<std::uint64_t>& connected_now,
         std::atomic<std::uint64_t>& sessions)
      : options_(options),
        sink_(sink),
        connected_now_(connected_now),
        sessions_(sessions),
        shutdown_deadline_(io_),
        flush_timer_(io_),
        spawn_timer_(io_) {}

  void add_client(std::uint64_t router_id, std::uint64_t index) {
    clients_.push_back(std::make_unique<Client>(*this, router_id, index));
  }

  void start() {
    alive_ = clients_.size();
    summary_.clients = clients_.size();
    started_ns_ = monotonic_ns();
    if (options_.connect_rate == 0) {
      while (spawned_ < clients_.size()) spawn_next();
    } else {
      spawn_batch();
    }
    if (sink_.wants_events()) arm_flush();
    if (alive_ == 0 && on_all_done) on_all_done();
  }

  void run() { io_.run(); }

  // Posted from any thread.
  void begin_shutdown() {
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

  net::io_context& io() { return io_; }
  const FleetOptions& options() const { return options_; }
  EventSink& sink() { return sink_; }
  FleetSummary& summary() { return summary_; }
  bool shutting_down() const { return shutting_down_; }
  std::int64_t started_ns() const { return started_ns_; }
  std::size_t client_count() const { return clients_.size(); }
  std::function<void()> on_all_done;  // runs on this worker's thread
  void connection_opened() {
    connected_now_.fetch_add(1, std::memory_order_relaxed);
    sessions_.fetch_add(1, std::memory_order_relaxed);
  }
  void connection_closed() { connected_now_.fetch_sub(1, std::memory_order_relaxed); }

  history::Event event(const char* kind, std::uint64_t router_id) const {
    history::Event e;
    e.kind = kind;
    e.t_ns = monotonic_ns();
    e.source = options_.source_name;
    e.router_id = router_id;
    return e;
  }

  // Seed-style lines; several clients are told apart by a prefix.
  void say(std::uint64_t router_id, const std::string& line) {
    if (!sink_.wants_verbose()) return;
    if (clients_.size() == 1)
      sink_.say(line);
    else
      sink_.say("[" + std::to_string(router_id) + "] " + line);
  }

 private:
  void client_finished() {
    if (--alive_ == 0) {
      shutdown_deadline_.cancel();
      flush_timer_.cancel();
      summary_.elapsed_seconds = static_cast<double>(monotonic_ns() - started_ns_) / 1e9;
      if (on_all_done) on_all_done();
    }
  }

  void spawn_next() {
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
  void spawn_batch() {
    constexpr auto kTick = std::chrono::milliseconds(10);
    // Credit by elapsed time, so a busy loop that delays the tick does not
    // slow the ramp down.
    double share = options_.connect_rate / static_cast<double>(options_.threads);
    double elapsed = static_cast<double>(monotonic_ns() - started_ns_) / 1e9;
    auto due = static_cast<std::size_t>(share * elapsed) + 1;
    while (spawned_ < clients_.size() && spawned_ < due) spawn_next();
    if (spawned_ == clients_.size() || shutting_down_) return;
    spawn_timer_.expires_after(kTick);
    spawn_timer_.async_wait([this](error_code ec) {
      if (!ec && !shutting_down_) spawn_batch();
    });
  }

  void arm_flush() {
    flush_timer_.expires_after(std::chrono::milliseconds(200));
    flush_timer_.async_wait([this](error_code ec) {
      if (ec || shutting_down_) return;
      sink_.flush();
      arm_flush();
    });
  }

  net::io_context io_{1};
  const FleetOptions& options_;
  EventSink& sink_;
  std::atomic<std::uint64_t>& connected_now_;
  std::atomic<std::uint64_t>& sessions_;
  std::vector<std::unique_ptr<Client>> clients_;
  FleetSummary summary_;
  std::size_t alive_ = 0;
  bool shutting_down_ = false;
  std::int64_t started_ns_ = 0;
  net::steady_timer shutdown_deadline_;
  net::steady_timer flush_timer_;
  net::steady_timer spawn_timer_;
  std::size_t spawned_ = 0;
};

// ---------------------------------------------------------------- Client

Client::Client(Worker& worker, std::uint64_t router_id, std::uint64_t index)
    : worker_(worker),
      router_id_(router_id),
      index_(index),
      rng_(util::SplitMix64(worker.options().seed ^ router_id * 0x9E3779B97F4A7C15ULL).next() ^ index),
      policy_(worker.options().reconnect),
      socket_(worker.io()),
      timer_(worker.io()),
      parser_(worker.options().max_message_bytes) {}

awaitable<void> Client::run() {
  while (!stopping_ && !worker_.shutting_down()) {
    std::optional<Nanos> retry_after;
    std::string early_bytes;  // frame bytes that came with the 101
    bool connected = false;
    {
      beast::flat_buffer buffer;
      connected = co_await attempt(retry_after, buffer);
      if (connected) early_bytes.assign(static_cast<const char*>(buffer.data().data()), buffer.size());
    }
    if (connected) {
      co_await session(std::move(early_bytes));
      disconnected_ns_ = monotonic_ns();
    }
    reset_connection();
    if (stopping_ || worker_.shutting_down()) break;
    Nanos now(monotonic_ns());
    Nanos delay = policy_.schedule_retry(now, rng_.next(), retry_after) - now;
    co_await sleep(delay);
    if (stopping_ || worker_.shutting_down()) break;
    worker_.say(router_id_, "!!! reconnecting in ..." + ms_text(delay) + " ms");
  }
  phase_ = Phase::done;
}

awaitable<void> Client::sleep(Nanos delay) {
  ++timer_generation_;
  timer_.expires_after(delay);
  error_code ec;
  co_await timer_.async_wait(net::redirect_error(use_awaitable, ec));
}

std::string Client::target_for(const WsUrl& url) const {
  if (!worker_.options().query_mode) return url.target;
  std::string target = url.target;
  // A Location that already carries routerId (the gateway keeps the query)
  // is sent as it is.
  if (target.find("routerId=") != std::string::npos) return target;
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += "routerId=" + std::to_string(router_id_);
  return target;
}

awaitable<bool> Client::attempt(std::optional<Nanos>& retry_after, beast::flat_buffer& buffer) {
  const auto& options = worker_.options();
  auto& summary = worker_.summary();
  WsUrl url = options.url;
  RedirectFollower follower(options.max_redirects);
  follower.start(url);
  ++attempts_;
  ++summary.attempts;
  if (worker_.sink().wants_events()) {
    auto e = worker_.event("attempt", router_id_);
    e.fields = {{"url", url.text()}, {"attempt", attempts_}};
    worker_.sink().write(e);
  }
  for (;;) {
    Response response;
    buffer.clear();
    std::int64_t hop_started = monotonic_ns();
    auto failure = co_await hop(url, response, buffer);
    if (stopping_) co_return false;
    if (!failure) {
      on_open(url, response, hop_started, follower.hops());
      co_return true;
    }
    int status = failure->status;
    if (status / 100 == 3 && status != 304) {
      auto location = response[http::field::location];
      auto decision = follower.on_redirect(url, std::string_view(location.data(), location.size()));
      using Verdict = RedirectFollower::Decision::Verdict;
      if (decision.verdict == Verdict::follow) {
        ++summary.redirects;
        worker_.say(router_id_, "!!! redirecting... from  " + url.text() + "  to " + decision.next.text());
        if (worker_.sink().wants_events()) {
          auto e = worker_.event("redirect", router_id_);
          e.fields = {{"from", url.text()}, {"to", decision.next.text()}, {"status", status}};
          worker_.sink().write(e);
        }
        url = std::move(decision.next);
        continue;
      }
      failure->error = decision.verdict == Verdict::loop            ? "redirect_loop"
                       : decision.verdict == Verdict::too_many_hops ? "too_many_redirects"
                                                                    : "bad_location";
      failure->reason = decision.reason;
    }
    ++summary.rejected[failure->error];
    retry_after = failure->retry_after;
    worker_.say(router_id_, "err " + failure->reason);
    if (worker_.sink().wants_events()) {
      auto e = worker_.event("rejected", router_id_);
      e.fields = {{"url", url.text()}, {"error", failure->error}, {"reason", failure->reason}};
      if (failure->status) e.fields["status"] = failure->status;
      if (failure->retry_after) e.fields["retry_after_ns"] = failure->retry_after->count();
      worker_.sink().write(e);
    }
    co_return false;
  }
}

// One hop: TCP connect, the HTTP upgrade written and its answer read, all
// within handshake_timeout. nullopt when the WebSocket is open.
awaitable<std::optional<Failure>> Client::hop(const WsUrl& url, Response& response, beast::flat_buffer& buffer) {
  const auto& options = worker_.options();
  if (url.scheme == "wss")
    co_return Failure{"unsupported", "wss:// is not supported (this harness has no TLS): " + url.text()};
  auto address = options.names.pick(url.host, url.port, rng_.next());
  if (!address)
    co_return Failure{"unresolvable",
                      "cannot resolve '" + url.host + "': not in the --resolve map and not a numeric address"};
  error_code ec;
  auto ip = net::ip::make_address(address->ip, ec);
  if (ec) co_return Failure{"unresolvable", "'" + address->ip + "' is not an IP address"};
  tcp::endpoint endpoint(ip, address->port);
  auto peer = to_string(*address);

  phase_ = Phase::connecting;
  error_code ignored;
  socket_.close(ignored);
  socket_.open(endpoint.protocol(), ec);
  if (ec) co_return Failure{"connect_failed", "socket: " + ec.message()};
  socket_.set_option(tcp::no_delay(true), ignored);
  if (options.sources && ip.is_v4() && ip.to_v4().is_loopback()) {
    int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    auto source = net::ip::address_v4(options.sources->address(index_ + attempts_ * 7919u));
    socket_.bind(tcp::endpoint(source, 0), ec);
    if (ec) co_return Failure{"bind_failed", "bind to " + source.to_string() + ": " + ec.message()};
  }
  connect_timed_out_ = false;
  arm_connect_watchdog();
  auto timeout_text = ms_text(options.handshake_timeout);
  co_await socket_.async_connect(endpoint, net::redirect_error(use_awaitable, ec));
  if (stopping_) co_return Failure{"shutdown", "stopped"};
  if (ec) {
    if (connect_timed_out_)
      co_return Failure{"connect_timeout", "connect to " + peer + ": no answer within " + timeout_text + " ms"};
    bool refused = ec == net::error::connection_refused;
    co_return Failure{refused ? "refused" : "connect_failed", "connect to " + peer + ": " + ec.message()};
  }
  bool header_read = false;
  websocket::detail::sec_ws_key_type key;
  websocket::detail::make_sec_ws_key(key);
  {
    http::request<http::empty_body> request{http::verb::get, target_for(url), 11};
    request.set(http::field::host, url.host_header());
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::sec_websocket_key, key);
    request.set(http::field::sec_websocket_version, "13");
    request.set(http::field::user_agent, "wsfo-clients");
    if (!options.query_mode) {
      request.set("routerId", std::to_string(router_id_));
      request.set("unitType", options.unit_type);
    }
    co_await http::async_write(socket_, request, net::redirect_error(use_awaitable, ec));
  }
  if (!ec) {
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    co_await http::async_read_header(socket_, buffer, parser, net::redirect_error(use_awaitable, ec));
    header_read = !ec;
    // A refusal's body explains it; a 101 has none and is followed by frames.
    if (!ec && parser.get().result_int() != 101 && !parser.is_done())
      co_await http::async_read(socket_, buffer, parser, net::redirect_error(use_awaitable, ec));
    response = parser.release();
  }
  ++timer_generation_;
  timer_.cancel();
  if (stopping_) co_return Failure{"shutdown", "stopped"};
  int status = response.result_int();
  if (connect_timed_out_)
    co_return Failure{"handshake_timeout", "handshake with " + peer + ": no answer within " + timeout_text + " ms"};
  if (ec && !header_read) {
    if (ec.category() == error_code(http::error::bad_version).category())
      co_return Failure{"bad_http", "garbage HTTP answer from " + peer + ": " + ec.message()};
    co_return Failure{"bad_http",
                      "handshake with " + peer + ": the connection ended before an answer (" + ec.message() + ")"};
  }
  if (status != 101) {
    Failure failure{"http_status", "HTTP " + std::to_string(status) + " " + std::string(response.reason())};
    failure.status = status;
    if (!response.body().empty()) failure.reason += ": " + one_line(response.body());
    if (auto it = response.find(http::field::retry_after); it != response.end())
      failure.retry_after = parse_retry_after(std::string_view(it->value().data(), it->value().size()));
    co_return failure;
  }
  websocket::detail::sec_ws_accept_type accept;
  websocket::detail::make_sec_ws_accept(accept, key);
  auto upgrade = response[http::field::upgrade];
  if (!beast::iequals(upgrade, "websocket"))
    co_return Failure{"bad_handshake", "handshake with " + peer + ": 101 without Upgrade: websocket"};
  if (response[http::field::sec_websocket_accept] != beast::string_view(accept.data(), accept.size()))
    co_return Failure{"bad_handshake", "handshake with " + peer + ": wrong Sec-WebSocket-Accept"};
  co_return std::nullopt;
}

void Client::arm_connect_watchdog() {
  auto generation = ++timer_generation_;
  timer_.expires_after(worker_.options().handshake_timeout);
  timer_.async_wait([this, generation](error_code ec) {
    if (ec || generation != timer_generation_ || phase_ != Phase::connecting) return;
    connect_timed_out_ = true;
    cut();
  });
}

void Client::on_open(const WsUrl& url, const Response& response, std::int64_t hop_started, int redirects) {
  auto now = monotonic_ns();
  phase_ = Phase::open;
  ++connection_generation_;
  opened_ns_ = last_heard_ns_ = now;
  handshake_ns_ = now - hop_started;
  redirects_ = static_cast<std::uint8_t>(redirects);
  policy_.on_connected();
  auto& summary = worker_.summary();
  ++summary.connected;
  summary.handshake_latency.add(Nanos(handshake_ns_));
  if (disconnected_ns_ != 0) summary.reconnect_latency.add(Nanos(now - disconnected_ns_));
  worker_.connection_opened();
  if (auto it = response.find("X-Wsfo-Unit"); it != response.end()) unit_ = std::string(it->value());
  if (auto it = response.find("X-Wsfo-Node"); it != response.end()) node_ = std::string(it->value());
  worker_.say(router_id_, "connected:" + std::to_string(router_id_));
  if (worker_.sink().wants_events()) {
    pending_connected_ = true;
    url_text_ = url.text();
  }
}

void Client::emit_connected_if_pending() {
  if (!pending_connected_) return;
  pending_connected_ = false;
  auto e = worker_.event("connected", router_id_);
  e.t_ns = opened_ns_;
  e.fields = {{"url", url_text_},
              {"unit", unit_},
              {"node", node_},
              {"backend", backend_},
              {"handshake_ns", handshake_ns_},
              {"redirects", redirects_}};
  worker_.sink().write(e);
  std::string().swap(url_text_);
}

awaitable<void> Client::session(std::string early_bytes) {
  const auto& options = worker_.options();
  if (options.send_first_message) {
    sent_number_ = wall_clock_ms();
    std::array<char, 24> text{};
    auto end = std::to_chars(text.data(), text.data() + text.size(), sent_number_).ptr;
    send(ws::Opcode::text, std::string_view(text.data(), static_cast<std::size_t>(end - text.data())));
  }
  if (stopping_ || worker_.shutting_down()) {
    end_with(EndCause::shutdown);
  } else if (options.close_after) {
    if (options.close_after->count() == 0) {
      end_with(EndCause::close_after);
    } else {
      auto generation = ++timer_generation_;
      timer_.expires_after(*options.close_after);
      timer_.async_wait([this, generation](error_code e) {
        if (!e && generation == timer_generation_) end_with(EndCause::close_after);
      });
    }
  } else if (options.heartbeat) {
    arm_heartbeat();
  }
  error_code ec;
  bool open = take_bytes(early_bytes);
  std::string().swap(early_bytes);
  while (open) {
    std::size_t n = co_await socket_.async_read_some(net::buffer(read_buffer_), net::redirect_error(use_awaitable, ec));
    if (ec) break;
    last_heard_ns_ = monotonic_ns();
    open = take_bytes(std::string_view(read_buffer_.data(), n));
  }
  report_end(ec);
}

// Parses what arrived; false when the connection is over (close handshake
// done, or a protocol violation answered with its close code).
bool Client::take_bytes(std::string_view bytes) {
  if (bytes.empty()) return true;
  if (!parser_.feed(bytes, *this)) {
    send_close(parser_.close_code());
    return writing_;  // the write handler cuts once the close frame is out
  }
  // Both close frames exchanged: nothing more will be said on this connection
  // (once our echo, if any, is written).
  if (close_received_ && close_sent_) return writing_;
  return true;
}

void Client::on_message_data(std::string_view data, bool last) {
  if (partial_.empty() && last) return on_message(data);
  partial_.append(data);
  if (!last) return;
  on_message(partial_);
  std::string().swap(partial_);
}

void Client::on_ping(std::string_view payload) { send(ws::Opcode::pong, payload); }

void Client::on_pong(std::string_view) { ping_sent_ns_ = 0; }

void Client::on_close(std::uint16_t code, std::string_view reason) {
  close_received_ = true;
  peer_close_code_ = code;
  peer_close_reason_ = std::string(reason);
  if (!close_sent_) {
    peer_closed_first_ = true;
    send_close(code == 1005 ? ws::kCloseNormal : code);  // echo it (RFC 6455 §5.5.1)
  }
}

void Client::send(ws::Opcode opcode, std::string_view payload) {
  if (close_sent_) return;
  ws::append_frame(outbox_, opcode, payload, static_cast<std::uint32_t>(rng_.next()));
  flush_outbox();
}

void Client::send_close(std::uint16_t code) {
  if (close_sent_) return;
  ws::append_close(outbox_, code, {}, static_cast<std::uint32_t>(rng_.next()));
  close_sent_ = true;
  flush_outbox();
}

void Client::flush_outbox() {
  if (writing_ || outbox_.empty() || phase_ != Phase::open) return;
  writing_ = true;
  in_flight_.swap(outbox_);
  auto generation = connection_generation_;
  net::async_write(socket_, net::buffer(in_flight_), [this, generation](error_code ec, std::size_t) {
    if (generation != connection_generation_) return;
    writing_ = false;
    std::string().swap(in_flight_);
    if (ec) return cut();
    bool finished = close_sent_ && (close_received_ || !parser_.error().empty());
    if (finished && outbox_.empty()) return cut();  // our last frame is out: done
    flush_outbox();
  });
}

void Client::on_message(std::string_view text) {
  auto& summary = worker_.summary();
  ++summary.messages;
  if (worker_.sink().wants_verbose()) worker_.say(router_id_, "msg: " + std::string(text) + " ");
  if (auto label = welcome_label(text)) {
    backend_ = std::string(*label);
    emit_connected_if_pending();
    return;
  }
  emit_connected_if_pending();
  if (sent_number_ != 0) {
    std::array<char, 24> sent{};
    auto end = std::to_chars(sent.data(), sent.data() + sent.size(), sent_number_).ptr;
    if (is_echo_of(text, std::string_view(sent.data(), static_cast<std::size_t>(end - sent.data())))) return;
  }
  auto broadcast = parse_broadcast(text);
  if (!broadcast) return;
  auto observed = sequence_.observe(broadcast->label, broadcast->seq);
  if (observed.missing == 0) return;
  ++summary.gaps;
  summary.missing_messages += observed.missing;
  if (worker_.sink().wants_events()) {
    auto e = worker_.event("gap", router_id_);
    e.fields = {{"backend", std::string(broadcast->label)},
                {"missing", observed.missing},
                {"after_seq", broadcast->seq - observed.missing - 1}};
    worker_.sink().write(e);
  }
}

void Client::report_end(const error_code& ec) {
  emit_connected_if_pending();
  auto now = monotonic_ns();
  std::string cause, reason, closed_by = "client";
  std::optional<unsigned> code;
  const auto& options = worker_.options();
  bool we_closed = end_cause_ == EndCause::shutdown || end_cause_ == EndCause::close_after;
  if (end_cause_ == EndCause::idle_timeout) {
    cause = "idle_timeout", reason = "nothing heard for " + ms_text(options.idle_timeout) + " ms";
  } else if (end_cause_ == EndCause::pong_timeout) {
    cause = "pong_timeout", reason = "no pong within " + ms_text(options.idle_timeout) + " ms of a ping";
  } else if (!parser_.error().empty()) {
    code = parser_.close_code();
    cause = code == ws::kCloseTooBig ? "message_too_big" : "protocol_error";
    reason = parser_.error();
  } else if (close_received_ && peer_closed_first_) {
    cause = "server_close", closed_by = "server", code = peer_close_code_, reason = peer_close_reason_;
  } else if (we_closed) {
    cause = end_cause_ == EndCause::shutdown ? "shutdown" : "client_close";
    code = ws::kCloseNormal;
    reason = close_received_    ? "closed by this client"
             : close_timed_out_ ? "the peer did not answer the close within " + ms_text(options.close_timeout) + " ms"
                                : "closing: " + ec.message();
  } else {
    cause = "connection_lost", closed_by = "network";
    reason = ec ? ec.message() : "the connection ended";
  }
  ++worker_.summary().disconnected[cause];
  worker_.connection_closed();
  worker_.say(router_id_, "disconnected");
  if (worker_.sink().wants_events()) {
    auto e = worker_.event("disconnected", router_id_);
    e.fields = {{"cause", cause}, {"reason", reason},   {"closed_by", closed_by}, {"connected_ns", now - opened_ns_},
                {"unit", unit_},  {"backend", backend_}};
    if (code) e.fields["code"] = *code;
    worker_.sink().write(e);
  }
}

void Client::reset_connection() {
  ++timer_generation_;
  ++connection_generation_;
  timer_.cancel();
  error_code ignored;
  socket_.close(ignored);
  parser_.reset();
  phase_ = Phase::idle;
  end_cause_ = EndCause::none;
  writing_ = close_sent_ = close_received_ = peer_closed_first_ = close_timed_out_ = pending_connected_ = false;
  peer_close_code_ = 0;
  ping_sent_ns_ = sent_number_ = 0;
  for (auto* text : {&unit_, &node_, &backend_, &url_text_, &peer_close_reason_, &outbox_, &in_flight_, &partial_})
    std::string().swap(*text);
  sequence_.reset();
}

void Client::arm_heartbeat() {
  auto generation = ++timer_generation_;
  timer_.expires_after(*worker_.options().heartbeat);
  timer_.async_wait([this, generation](error_code ec) {
    if (!ec && generation == timer_generation_) on_heartbeat();
  });
}

void Client::on_heartbeat() {
  if (phase_ != Phase::open || end_cause_ != EndCause::none) return;
  auto now = monotonic_ns();
  auto limit = worker_.options().idle_timeout.count();
  if (ping_sent_ns_ != 0 && now - ping_sent_ns_ >= limit) return end_with(EndCause::pong_timeout);
  if (now - last_heard_ns_ >= limit) return end_with(EndCause::idle_timeout);
  if (ping_sent_ns_ == 0) {
    ping_sent_ns_ = now;
    send(ws::Opcode::ping, {});
  }
  arm_heartbeat();
}

void Client::arm_close_timeout() {
  auto generation = ++timer_generation_;
  timer_.expires_after(worker_.options().close_timeout);
  timer_.async_wait([this, generation](error_code ec) {
    if (ec || generation != timer_generation_) return;
    close_timed_out_ = true;
    cut();
  });
}

// A timeout ends the connection without a close handshake (the peer is not
// listening); a planned close is a clean 1000, bounded by close_timeout.
void Client::end_with(EndCause cause) {
  if (phase_ != Phase::open || end_cause_ != EndCause::none) return;
  end_cause_ = cause;
  if (cause == EndCause::idle_timeout || cause == EndCause::pong_timeout) return cut();
  if (close_sent_) return;
  send_close(ws::kCloseNormal);
  arm_close_timeout();
}

void Client::request_close() {
  stopping_ = true;
  switch (phase_) {
    case Phase::open:
      end_with(EndCause::shutdown);
      break;
    case Phase::connecting:
      cut();
      break;
    case Phase::idle:
      ++timer_generation_;
      timer_.cancel();
      break;
    case Phase::done:
      break;
  }
}

void Client::cut() {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace

// ---------------------------------------------------------------- Fleet

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
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    impl.workers.push_back(std::make_unique<Worker>(options, impl.sink, impl.connected_now, impl.sessions));
  for (std::size_t i = 0; i < options.router_ids.size(); ++i)
    impl.workers[i % impl.workers.size()]->add_client(options.router_ids[i], i);

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
  FleetSummary total;
  for (auto& worker : impl.workers) total.merge(worker->summary());
  impl.workers.clear();
  return total;
}

}  // namespace wsfo::clients
