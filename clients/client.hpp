#pragma once
// One reconnecting client of the fleet (internal to clients/). Memory per idle
// client matters (issue 4: at most 4 KiB of user-space RSS), so a client is
// one object with a socket, one timer (connect watchdog, heartbeat, close
// timeout and reconnect delay in turn) and a 128-byte read buffer; Beast
// writes the upgrade request and parses the answer, and the frames are
// handled by core's ws::FrameParser (a Beast websocket::stream alone costs
// about 2.8 KiB per open connection). Strings for partial messages and
// queued frames exist only while in use.
//
// A wss:// hop adds a TLS stream over the same socket, held by a pointer that
// is null for ws://: a plain client pays 8 bytes for TLS, and a wss client
// pays for Asio's TLS record buffers only while it has a connection.
//
// Its work is split by phase over four files: client.cpp (the reconnect
// loop and teardown), client_handshake.cpp (one attempt: connect, upgrade,
// redirects), client_tls.cpp (a wss hop's TLS handshake and close_notify),
// client_session.cpp (the open connection: frames, heartbeat, close
// handshake, the `disconnected` event).
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clients/attempt.hpp"
#include "core/clients/reconnect_policy.hpp"
#include "core/clients/sequence_tracker.hpp"
#include "core/clients/ws_frame.hpp"
#include "core/clients/ws_url.hpp"
#include "core/util/random.hpp"

namespace wsfo::clients {

class Worker;

// A duration in whole milliseconds, for the reasons a person reads.
std::string ms_text(Nanos d);

// Why a connection ended, for the `disconnected` event.
enum class EndCause : std::uint8_t { none, shutdown, close_after, idle_timeout, pong_timeout };

class Client : private ws::FrameHandler {
 public:
  Client(Worker& worker, std::uint64_t router_id, std::uint64_t index);

  // Attempts, sessions and reconnect delays until the fleet stops.
  boost::asio::awaitable<void> run();
  // Shutdown: a clean close (1000) when open, otherwise stop at once.
  void request_close();
  // Cut the connection without a close handshake (peer does not answer).
  void cut();
  std::uint64_t router_id() const { return router_id_; }

 private:
  enum class Phase : std::uint8_t { idle, connecting, open, done };
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  using error_code = boost::system::error_code;
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;

  // client.cpp
  boost::asio::awaitable<void> sleep(Nanos delay);
  void reset_connection();
  bool stopping() const;

  // client_handshake.cpp
  boost::asio::awaitable<bool> attempt(std::optional<Nanos>& retry_after, boost::beast::flat_buffer& buffer);
  boost::asio::awaitable<Step> hop(const WsUrl& url, Attempt& machine, Response& response,
                                   boost::beast::flat_buffer& buffer);
  void report_attempt(const WsUrl& url, std::string_view address);
  void report_rejected(const WsUrl& url, const AttemptFailure& failure, int redirects);
  void arm_connect_watchdog();
  std::optional<Step> watchdog_ended(const std::string& peer);
  void on_open(const WsUrl& url, const Response& response, std::int64_t hop_started, int redirects);
  std::string target_for(const WsUrl& url) const;

  // client_tls.cpp
  boost::asio::awaitable<std::optional<Step>> start_tls(const WsUrl& url, const std::string& peer);
  boost::asio::awaitable<void> say_tls_goodbye();
  bool clean_tls_close() const;

  // client_session.cpp
  boost::asio::awaitable<void> session(std::string early_bytes);
  // The next bytes of the connection: through TLS for a wss:// hop.
  boost::asio::awaitable<std::size_t> read_some(error_code& ec);
  void start_session_timers();
  bool take_bytes(std::string_view bytes);
  void on_message(std::string_view text);
  void count_gap(std::string_view text);
  void emit_connected_if_pending();
  void report_end(const error_code& ec);
  void on_message_data(std::string_view data, bool last) override;
  void on_ping(std::string_view payload) override;
  void on_pong(std::string_view payload) override;
  void on_close(std::uint16_t code, std::string_view reason) override;
  void send(ws::Opcode opcode, std::string_view payload);
  void send_close(std::uint16_t code);
  void flush_outbox();
  void arm_heartbeat();
  void on_heartbeat();
  void arm_close_timeout();
  void end_with(EndCause cause);

  Worker& worker_;
  std::uint64_t router_id_;
  std::uint64_t index_;
  util::SplitMix64 rng_;
  ReconnectPolicy policy_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<TlsStream> tls_;  // over socket_ while a wss:// hop or connection is open; null for ws://
  boost::asio::steady_timer timer_;
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
  std::int64_t ping_rtt_max_ns_ = 0;  // the longest ping -> pong on this connection; 0: no pong yet
  std::int64_t disconnected_ns_ = 0;  // 0: never connected yet
  std::int64_t handshake_ns_ = 0;
  std::int64_t sent_number_ = 0;  // the first message (Date.now()), to recognise its echo
  std::uint8_t redirects_ = 0;
  std::string unit_, node_, backend_, url_text_, peer_close_reason_;
  std::string backend_name_;        // X-Wsfo-Backend, kept only until `connected` is written
  std::string outbox_, in_flight_;  // frames to write, frames being written: empty when idle
  SequenceTracker sequence_;
  std::string partial_;  // a message larger than read_buffer_, while it arrives
  std::array<char, 128> read_buffer_{};
};

}  // namespace wsfo::clients
