// The fleet's only Beast translation unit. Memory per idle client matters
// (issue 4: at most 4 KiB of user-space RSS): a client owns its small state, a
// websocket stream only while it has a connection, a 128-byte read buffer
// (messages that do not fit are assembled in a string that lives only as long
// as the message), and one timer shared by the connect watchdog, the
// heartbeat and the reconnect delay.
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
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <functional>
#include <mutex>
#include <thread>

#include "clients/fleet.hpp"
#include "clients/monotonic_clock.hpp"
#include "core/clients/backend_messages.hpp"
#include "core/clients/redirect_follower.hpp"
#include "core/clients/sequence_tracker.hpp"
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
using WsStream = websocket::stream<tcp::socket>;

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

class Client {
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

  awaitable<bool> attempt(std::optional<Nanos>& retry_after);
  awaitable<std::optional<Failure>> hop(const WsUrl& url, websocket::response_type& response);
  awaitable<void> session();
  awaitable<void> sleep(Nanos delay);

  void on_open(const WsUrl& url, const websocket::response_type& response, std::int64_t hop_started, int redirects);
  void on_message(std::string_view text);
  void emit_connected_if_pending();
  void report_end(const error_code& ec);
  void reset_connection();

  void arm_connect_watchdog();
  void arm_heartbeat();
  void on_heartbeat();
  void start_close();
  void end_with(EndCause cause);

  std::string target_for(const WsUrl& url) const;

  Worker& worker_;
  std::uint64_t router_id_;
  std::uint64_t index_;
  util::SplitMix64 rng_;
  ReconnectPolicy policy_;
  std::optional<WsStream> ws_;
  net::steady_timer timer_;
  std::uint32_t attempts_ = 0;
  std::uint32_t timer_generation_ = 0;
  Phase phase_ = Phase::idle;
  EndCause end_cause_ = EndCause::none;
  bool stopping_ = false;
  bool control_in_flight_ = false;  // a ping or the close: Beast allows one at a time
  bool close_wanted_ = false;       // a close is due once the ping in flight completes
  bool connect_timed_out_ = false;
  bool close_started_ = false;
  bool close_done_ = false;
  error_code close_error_;
  bool pending_connected_ = false;  // the `connected` event waits for the welcome text
  std::int64_t opened_ns_ = 0;
  std::int64_t last_heard_ns_ = 0;
  std::int64_t ping_sent_ns_ = 0;     // 0: no ping unanswered
  std::int64_t disconnected_ns_ = 0;  // 0: never connected yet
  std::int64_t handshake_ns_ = 0;
  std::int64_t sent_number_ = 0;  // the first message (Date.now()), to recognise its echo
  std::uint8_t redirects_ = 0;
  std::string unit_, node_, backend_, url_text_;
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
        flush_timer_(io_) {}

  void add_client(std::uint64_t router_id, std::uint64_t index) {
    clients_.push_back(std::make_unique<Client>(*this, router_id, index));
  }

  void start() {
    alive_ = clients_.size();
    summary_.clients = clients_.size();
    started_ns_ = monotonic_ns();
    for (auto& client : clients_) {
      net::co_spawn(io_, client->run(), [this, c = client.get()](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            std::fprintf(stderr, "wsfo clients: client %llu stopped: %s\n",
                         static_cast<unsigned long long>(c->router_id()), x.what());
          }
        }
        client_finished();
      });
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
};

// ---------------------------------------------------------------- Client

Client::Client(Worker& worker, std::uint64_t router_id, std::uint64_t index)
    : worker_(worker),
      router_id_(router_id),
      index_(index),
      rng_(router_id * 0x9E3779B97F4A7C15ULL ^ index),
      policy_(worker.options().reconnect),
      timer_(worker.io()) {}

awaitable<void> Client::run() {
  while (!stopping_ && !worker_.shutting_down()) {
    std::optional<Nanos> retry_after;
    bool connected = co_await attempt(retry_after);
    if (connected) {
      co_await session();
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
  // Replace nothing: a Location already carrying routerId (the gateway keeps
  // the query) is sent as it is.
  if (target.find("routerId=") != std::string::npos) return target;
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += "routerId=" + std::to_string(router_id_);
  return target;
}

awaitable<bool> Client::attempt(std::optional<Nanos>& retry_after) {
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
    websocket::response_type response;
    std::int64_t hop_started = monotonic_ns();
    auto failure = co_await hop(url, response);
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

awaitable<std::optional<Failure>> Client::hop(const WsUrl& url, websocket::response_type& response) {
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

  phase_ = Phase::connecting;
  ws_.emplace(worker_.io());
  ws_->read_message_max(options.max_message_bytes);
  ws_->write_buffer_bytes(256);
  ws_->auto_fragment(false);
  auto& socket = ws_->next_layer();
  socket.open(endpoint.protocol(), ec);
  if (ec) co_return Failure{"connect_failed", "socket: " + ec.message()};
  if (options.sources && ip.is_v4() && ip.to_v4().is_loopback()) {
    int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    auto source = net::ip::address_v4(options.sources->address(index_ + attempts_ * 7919u));
    socket.bind(tcp::endpoint(source, 0), ec);
    if (ec) co_return Failure{"bind_failed", "bind to " + source.to_string() + ": " + ec.message()};
  }
  connect_timed_out_ = false;
  arm_connect_watchdog();
  co_await socket.async_connect(endpoint, net::redirect_error(use_awaitable, ec));
  if (stopping_) co_return Failure{"shutdown", "stopped"};
  if (ec) {
    ++timer_generation_;
    timer_.cancel();
    if (connect_timed_out_)
      co_return Failure{"connect_timeout", "connect to " + to_string(*address) + ": no answer within " +
                                               ms_text(options.handshake_timeout) + " ms"};
    bool refused = ec == net::error::connection_refused;
    co_return Failure{refused ? "refused" : "connect_failed",
                      "connect to " + to_string(*address) + ": " + ec.message()};
  }
  // The rest of the upgrade is bounded by Beast's own handshake timer.
  ++timer_generation_;
  timer_.cancel();
  websocket::stream_base::timeout limits{};
  limits.handshake_timeout = options.handshake_timeout;
  limits.idle_timeout = websocket::stream_base::none();
  limits.keep_alive_pings = false;
  ws_->set_option(limits);
  ws_->set_option(websocket::stream_base::decorator([this](websocket::request_type& request) {
    request.set(http::field::user_agent, "wsfo-clients");
    if (!worker_.options().query_mode) {
      request.set("routerId", std::to_string(router_id_));
      request.set("unitType", worker_.options().unit_type);
    }
  }));
  co_await ws_->async_handshake(response, url.host_header(), target_for(url), net::redirect_error(use_awaitable, ec));
  if (stopping_) co_return Failure{"shutdown", "stopped"};
  if (!ec) co_return std::nullopt;
  int status = response.result_int();
  if (status != 0 && status != 101) {
    Failure failure{"http_status", "HTTP " + std::to_string(status) + " " + std::string(response.reason())};
    failure.status = status;
    if (!response.body().empty()) failure.reason += ": " + one_line(response.body());
    if (auto it = response.find(http::field::retry_after); it != response.end())
      failure.retry_after = parse_retry_after(std::string_view(it->value().data(), it->value().size()));
    co_return failure;
  }
  if (ec == beast::error::timeout)
    co_return Failure{"handshake_timeout", "handshake with " + to_string(*address) + ": no answer within " +
                                               ms_text(options.handshake_timeout) + " ms"};
  if (ec.category() == error_code(http::error::bad_version).category())
    co_return Failure{"bad_http", "garbage HTTP answer from " + to_string(*address) + ": " + ec.message()};
  if (ec == net::error::eof || ec == net::error::connection_reset)
    co_return Failure{"bad_http", "handshake with " + to_string(*address) + ": the peer closed the connection (" +
                                      ec.message() + ")"};
  co_return Failure{"bad_handshake", "handshake with " + to_string(*address) + ": " + ec.message()};
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

void Client::on_open(const WsUrl& url, const websocket::response_type& response, std::int64_t hop_started,
                     int redirects) {
  auto now = monotonic_ns();
  phase_ = Phase::open;
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
  ws_->set_option(
      websocket::stream_base::timeout{worker_.options().close_timeout, websocket::stream_base::none(), false});
  ws_->control_callback([this](websocket::frame_type kind, beast::string_view) {
    last_heard_ns_ = monotonic_ns();
    if (kind == websocket::frame_type::pong) ping_sent_ns_ = 0;
  });
  worker_.say(router_id_, "connected:" + std::to_string(router_id_));
  if (worker_.sink().wants_events()) {
    pending_connected_ = true;
    url_text_ = url.text();
    opened_ns_ = now;
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

awaitable<void> Client::session() {
  const auto& options = worker_.options();
  error_code ec;
  if (options.send_first_message && !stopping_) {
    sent_number_ = wall_clock_ms();
    std::array<char, 24> text{};
    auto end = std::to_chars(text.data(), text.data() + text.size(), sent_number_).ptr;
    co_await ws_->async_write(net::buffer(text.data(), static_cast<std::size_t>(end - text.data())),
                              net::redirect_error(use_awaitable, ec));
  }
  if (!ec) {
    if (stopping_ || worker_.shutting_down()) {
      start_close();
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
    for (;;) {
      std::size_t n = co_await ws_->async_read_some(net::buffer(read_buffer_), net::redirect_error(use_awaitable, ec));
      if (ec) break;
      last_heard_ns_ = monotonic_ns();
      if (partial_.empty() && ws_->is_message_done()) {
        on_message(std::string_view(read_buffer_.data(), n));
        continue;
      }
      partial_.append(read_buffer_.data(), n);
      if (!ws_->is_message_done()) continue;
      on_message(partial_);
      std::string().swap(partial_);
    }
  }
  if (close_started_ && !close_done_) {
    // Beast aborts the pending read when our close starts; wait for the
    // peer's close frame (bounded by close_timeout) so the close is clean.
    timer_.expires_at(net::steady_timer::time_point::max());
    error_code ignored;
    co_await timer_.async_wait(net::redirect_error(use_awaitable, ignored));
  }
  report_end(ec);
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
  auto close_reason = ws_->reason();
  bool we_closed = end_cause_ == EndCause::shutdown || end_cause_ == EndCause::close_after;
  const auto& options = worker_.options();
  if (end_cause_ == EndCause::idle_timeout) {
    cause = "idle_timeout", reason = "nothing heard for " + ms_text(options.idle_timeout) + " ms";
  } else if (end_cause_ == EndCause::pong_timeout) {
    cause = "pong_timeout", reason = "no pong within " + ms_text(options.idle_timeout) + " ms of a ping";
  } else if (we_closed && close_started_) {
    cause = end_cause_ == EndCause::shutdown ? "shutdown" : "client_close";
    code = static_cast<unsigned>(websocket::close_code::normal);
    reason = close_error_ == beast::error::timeout
                 ? "the peer did not answer the close within " + ms_text(options.close_timeout) + " ms"
             : close_error_ ? "closing: " + close_error_.message()
                            : "closed by this client";
  } else if (ec == websocket::error::closed) {
    code = close_reason.code;
    reason = std::string(close_reason.reason.data(), close_reason.reason.size());
    if (we_closed) {
      cause = end_cause_ == EndCause::shutdown ? "shutdown" : "client_close";
    } else {
      cause = "server_close", closed_by = "server";
    }
  } else if (ec == websocket::error::message_too_big || ec == websocket::error::buffer_overflow) {
    cause = "message_too_big", code = 1009;
    reason = "a message exceeded the limit of " + std::to_string(options.max_message_bytes) + " bytes";
  } else if (ec.category() == websocket::make_error_code(websocket::error::closed).category()) {
    cause = "protocol_error", code = 1002, reason = ec.message();
  } else {
    cause = "connection_lost", closed_by = "network", reason = ec.message();
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
  timer_.cancel();
  ws_.reset();
  phase_ = Phase::idle;
  end_cause_ = EndCause::none;
  control_in_flight_ = close_wanted_ = pending_connected_ = close_started_ = close_done_ = false;
  close_error_ = {};
  ping_sent_ns_ = sent_number_ = 0;
  std::string().swap(unit_);
  std::string().swap(node_);
  std::string().swap(backend_);
  std::string().swap(url_text_);
  std::string().swap(partial_);
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
  if (!control_in_flight_ && ping_sent_ns_ == 0) {
    control_in_flight_ = true;
    ping_sent_ns_ = now;
    ws_->async_ping({}, [this](error_code ec) {
      control_in_flight_ = false;
      if (close_wanted_ && !ec && phase_ == Phase::open) start_close();
    });
  }
  arm_heartbeat();
}

// A timeout ends the connection without a close handshake (the peer is not
// listening); a planned close is a clean 1000.
void Client::end_with(EndCause cause) {
  if (phase_ != Phase::open || end_cause_ != EndCause::none) return;
  end_cause_ = cause;
  if (cause == EndCause::idle_timeout || cause == EndCause::pong_timeout) return cut();
  start_close();
}

void Client::start_close() {
  if (phase_ != Phase::open) return;
  if (end_cause_ == EndCause::none) end_cause_ = EndCause::shutdown;
  if (control_in_flight_) {
    close_wanted_ = true;
    return;
  }
  control_in_flight_ = true;
  close_wanted_ = false;
  ++timer_generation_;
  timer_.cancel();
  close_started_ = true;
  ws_->async_close(websocket::close_code::normal, [this](error_code ec) {
    control_in_flight_ = false;
    close_done_ = true;
    close_error_ = ec;
    ++timer_generation_;
    timer_.cancel();  // wakes session() if it waits for this
  });
}

void Client::request_close() {
  stopping_ = true;
  switch (phase_) {
    case Phase::open:
      if (end_cause_ == EndCause::none) end_cause_ = EndCause::shutdown;
      if (!control_in_flight_)
        start_close();
      else
        close_wanted_ = true;
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
  if (!ws_) return;
  error_code ignored;
  auto& socket = ws_->next_layer();
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
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
