// A relayed connection's lifetime: registered and watched from its 101 until
// it finishes, with the idle timer that closes a silent one. How bytes move
// is in relay_pump.cpp, how it ends in relay_close.cpp; the design is
// described in relay_connection.hpp.
#include "gateway/relay.hpp"

#include "gateway/relay_buffers.hpp"
#include "gateway/relay_connection.hpp"
#include "process/live_clock.hpp"

namespace wsfo::gateway {

Relay::Relay(GatewayNode& node, RelayStart&& start)
    : node_(node),
      client_(std::move(start.client)),
      upstream_(std::move(start.upstream)),
      client_tcp_(start.client_tcp_descriptor),
      unit_(std::move(start.unit)),
      slot_(start.slot),
      capacity_(node.config.limits.relay_buffer_bytes),
      to_upstream_(Side::client, client_.fd(), upstream_.fd(), std::move(start.client_pending),
                   client_frame_policy(start.extensions, node.config.limits.max_message_bytes)),
      to_client_(Side::upstream, upstream_.fd(), client_.fd(), std::move(start.upstream_pending),
                 server_frame_policy(start.extensions)),
      client_watch_(*this, client_.fd(), to_upstream_, to_client_),
      upstream_watch_(*this, upstream_.fd(), to_client_, to_upstream_),
      timer_(node.io) {}

Relay::~Relay() {
  node_.registry.remove(*this);
  unwatch();
  for (Pump* p : {&to_client_, &to_upstream_})
    if (p->spill) SpillPool::of_this_thread().give_back(std::move(p->spill), capacity_);
}

void Relay::run() {
  node_.registry.add(*this, slot_);
  node_.metrics.connection_opened(unit_);
  if (std::string error = watch(); !error.empty()) {
    log_line(node_) << "relay: cannot wait for readiness: " << error << "\n";
    return drop();
  }
  last_activity_ = process::LiveClock::now();
  arm_idle_timer(last_activity_ + node_.config.limits.idle_timeout);
  pump(to_client_);
  pump(to_upstream_);
}

// Both sockets go to the poller once, for the connection's lifetime.
std::string Relay::watch() {
  std::string error;
  for (Watch* w : {&client_watch_, &upstream_watch_}) {
    w->handle = node_.readiness.add(w->fd, *w, error);
    if (!error.empty()) return error;
  }
  return {};
}

void Relay::unwatch() {
  for (Watch* w : {&client_watch_, &upstream_watch_}) {
    node_.readiness.remove(w->handle, w->fd);
    w->handle = 0;
  }
}

void Relay::arm_idle_timer(std::chrono::steady_clock::time_point at) {
  timer_.expires_at(at);
  timer_.async_wait(with_memory(timer_memory_, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->finished_ || self->closing_) return;
    auto idle_until = self->last_activity_ + self->node_.config.limits.idle_timeout;
    if (self->orphan_held_) return;  // a dead host times nothing out
    if (process::LiveClock::now() >= idle_until)
      return self->orphaned_ ? self->reset_orphan() : self->close_with(1001, "idle timeout");
    self->arm_idle_timer(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(idle_until));
  }));
}

// Once closing, the same timer bounds the close handshake.
void Relay::arm_close_timer() {
  timer_.expires_after(node_.config.limits.close_timeout);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->finish();
  });
}

NegotiatedExtensions negotiated_extensions(const boost::beast::http::fields& answer) {
  std::string joined;
  for (auto [it, end] = answer.equal_range(boost::beast::http::field::sec_websocket_extensions); it != end; ++it)
    joined.append(joined.empty() ? "" : ", ").append(it->value().data(), it->value().size());
  return parse_negotiated_extensions(joined);
}

void start_relay(GatewayNode& node, RelayStart start) {
  auto relay = std::make_shared<Relay>(node, std::move(start));
  relay->run();
}

}  // namespace wsfo::gateway
