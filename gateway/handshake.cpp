#include "gateway/handshake.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "core/gateway/answers.hpp"
#include "core/gateway/route_decision.hpp"
#include "gateway/answer_writer.hpp"
#include "gateway/socket_deadline.hpp"
#include "gateway/upstream_proxy.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// of coroutines with external linkage (asio's frame operator new and delete
// do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;

net::awaitable<void> handle_handshake(GatewayNode& node, tcp::socket client, ClientTransport transport) {
  error_code ec;
  client.set_option(tcp::no_delay(true), ec);
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(node.config.limits.max_header_bytes));
  bool expired = false;
  bool evicted = false;
  {
    PendingHead pending(node.pending_heads, client);
    Deadline deadline(client, node.config.limits.handshake_timeout);
    co_await http::async_read(client, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    expired = deadline.expired();
    evicted = pending.evicted();
  }
  std::optional<Answer> refusal;
  if (evicted) {  // closed already: its head was incomplete too long while the cap held the backlog
    node.metrics.handshake(Metrics::Outcome::rejected, label(RejectReason::handshake_cap));
    co_return;
  }
  if (expired) {
    refusal = handshake_timed_out(node.config.limits.handshake_timeout);
  } else if (ec == http::error::header_limit) {
    refusal = head_too_large(node.config.limits.max_header_bytes);
  } else if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
             ec == http::error::partial_message) {
    node.metrics.handshake(Metrics::Outcome::rejected, label(RejectReason::client_closed));
    co_return;
  } else if (ec == http::error::unexpected_body) {
    refusal = request_with_body();
  } else if (ec) {
    refusal = malformed_request(ec.message());
  } else if (!node.serving) {
    refusal = not_serving();
  }
  if (refusal) {
    co_await send_answer(node, client, *refusal);
    co_return;
  }

  const auto& request = parser.get();
  RequestHead head{sv(request.method_string()), request.version(), sv(request.target()), {}};
  for (const auto& field : request) head.fields.emplace_back(sv(field.name_string()), sv(field.value()));
  Decision decision = decide(DecisionInputs{head, node.config, node.rules, node.live_connections()});
  switch (decision.kind) {
    case Decision::Kind::reject:
    case Decision::Kind::redirect: {
      // A named local before the co_await: GCC 12 mishandles some temporaries
      // that live across a suspension.
      Answer answer = answer_to(decision);
      co_await send_answer(node, client, answer);
      co_return;
    }
    case Decision::Kind::proxy_local:
    case Decision::Kind::proxy_to_unit: {
      auto upgrade = parser.release();
      co_await proxy(node, std::move(client), std::move(buffer), std::move(upgrade), decision, std::move(transport));
      co_return;
    }
  }
}

}  // namespace wsfo::gateway

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
