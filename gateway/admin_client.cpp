#include "gateway/admin_client.hpp"

#include <utility>

#include "process/live_clock.hpp"
// Boost 1.74's asio needs <utility> first.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <thread>

#include "core/routing/rules_json.hpp"

namespace wsfo::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using Json = nlohmann::json;

// The stream's deadline bounds asynchronous operations only, so each step is
// one: a peer that accepts and never answers costs `timeout`, not a hang.
namespace {

// After the connect (and over TLS the handshake): the request and its answer,
// each step bounded by `timeout`.
template <class Stream>
void write_and_read(Stream& stream, http::request<http::string_body>& request, beast::flat_buffer& buffer,
                    http::response<http::string_body>& response, beast::error_code& failure,
                    std::chrono::milliseconds timeout) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  http::async_write(stream, request, [&, timeout](beast::error_code ec, std::size_t) {
    if (ec) return void(failure = ec);
    beast::get_lowest_layer(stream).expires_after(timeout);
    http::async_read(stream, buffer, response, [&](beast::error_code ec, std::size_t) { failure = ec; });
  });
}

}  // namespace

HttpReply http_request(const std::string& endpoint, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& token, std::chrono::milliseconds timeout,
                       const std::shared_ptr<tls::Context>& tls) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) return {0, {}, "endpoint '" + endpoint + "' has no port"};
  try {
    asio::io_context io;
    beast::tcp_stream plain(io);
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    std::string tls_error;
    if (tls) {
      secure.emplace(io, *tls);
      if (!tls::prepare_client(secure->native_handle(), endpoint.substr(0, colon), true, tls_error))
        return {0, {}, tls_error};
    }
    beast::tcp_stream& stream = secure ? beast::get_lowest_layer(*secure) : plain;
    asio::ip::tcp::endpoint address(asio::ip::make_address(endpoint.substr(0, colon)),
                                    static_cast<unsigned short>(std::stoi(endpoint.substr(colon + 1))));
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, endpoint);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    beast::error_code failure;
    bool refused = false;
    stream.expires_after(timeout);
    stream.async_connect(address, [&](beast::error_code ec) {
      refused = ec == asio::error::connection_refused;
      if (ec) return void(failure = ec);
      if (!secure) return write_and_read(plain, request, buffer, response, failure, timeout);
      stream.expires_after(timeout);
      secure->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code ec) {
        if (ec) {
          tls_error = "TLS handshake: " + tls::describe_failure(ec, secure->native_handle());
          return void(failure = ec);
        }
        write_and_read(*secure, request, buffer, response, failure, timeout);
      });
    });
    io.run();
    if (failure) return {0, {}, tls_error.empty() ? failure.message() : tls_error, refused};
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return {static_cast<int>(response.result_int()), response.body(), {}};
  } catch (const std::exception& e) {
    return {0, {}, e.what()};
  }
}

namespace {

std::string error_text(const HttpReply& reply) {
  if (reply.status == 0) return reply.error;
  auto document = Json::parse(reply.body, nullptr, false);
  if (document.is_object() && document.contains("error") && document["error"].is_string())
    return "HTTP " + std::to_string(reply.status) + ": " + document["error"].get<std::string>();
  return "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200);
}

std::uint64_t unsigned_member(const Json& document, const char* key) {
  auto it = document.find(key);
  return it != document.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

}  // namespace

cutover::AdminReply HttpGatewayAdmin::call(const cutover::GatewayRef& gateway, const std::string& target,
                                           const std::string& body) {
  HttpReply reply = http_request(gateway.admin, "POST", target, body, token_, timeout_);
  bool ok = reply.status == 200;
  return {ok, reply.status, ok ? "ok" : error_text(reply), reply.refused};
}

cutover::GatewayStatus HttpGatewayAdmin::status(const cutover::GatewayRef& gateway) {
  HttpReply reply = http_request(gateway.admin, "GET", "/health", "", token_, timeout_);
  auto document = Json::parse(reply.body, nullptr, false);
  if (reply.status == 0 || !document.is_object()) return {false, reply.status ? error_text(reply) : reply.error};
  cutover::GatewayStatus status;
  status.reachable = true;
  status.version = unsigned_member(document, "rules_version");
  status.serving = document.value("status", "") == "serving";
  status.connections = unsigned_member(document, "connections");
  status.max_connections = unsigned_member(document, "max_connections");
  status.live_backends = unsigned_member(document, "live_backends");
  return status;
}

cutover::PreviewReply HttpGatewayAdmin::preview(const cutover::GatewayRef& gateway, const routing::RuleSet& rules) {
  HttpReply reply = http_request(gateway.admin, "POST", "/rules/preview",
                                 Json{{"rules", routing::to_json(rules)}}.dump(), token_, timeout_);
  cutover::PreviewReply out;
  out.reply = {reply.status == 200, reply.status, reply.status == 200 ? "ok" : error_text(reply)};
  auto document = Json::parse(reply.body, nullptr, false);
  if (out.reply.ok && document.is_object() && document["moved"].is_array())
    for (const auto& moved : document["moved"])
      out.closes_per_moved_range.push_back(unsigned_member(moved, "live_connections"));
  return out;
}

cutover::AdminReply HttpGatewayAdmin::prepare(const cutover::GatewayRef& gateway, const routing::RuleSet& rules) {
  return call(gateway, "/rules/prepare", Json{{"version", rules.version()}, {"rules", routing::to_json(rules)}}.dump());
}

cutover::AdminReply HttpGatewayAdmin::commit(const cutover::GatewayRef& gateway, std::uint64_t version) {
  return call(gateway, "/rules/commit", Json{{"version", version}}.dump());
}

cutover::AdminReply HttpGatewayAdmin::abort(const cutover::GatewayRef& gateway, std::uint64_t version) {
  return call(gateway, "/rules/abort", Json{{"version", version}}.dump());
}

void HttpGatewayAdmin::sleep(cutover::Duration duration) { std::this_thread::sleep_for(duration); }

cutover::Duration HttpGatewayAdmin::now() { return process::LiveClock::since_epoch(); }

}  // namespace wsfo::gateway
