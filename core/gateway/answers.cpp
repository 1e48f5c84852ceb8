#include "core/gateway/answers.hpp"

#include "core/json/json_reader.hpp"

namespace wsfo::gateway {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 426:
      return "Upgrade Required";
    case 431:
      return "Request Header Fields Too Large";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 508:
      return "Loop Detected";
    default:
      return "Error";
  }
}

std::vector<std::pair<std::string, std::string>> Answer::header_fields() const {
  auto fields = headers;
  if (!location.empty()) fields.emplace_back("Location", location);
  if (retry_after) fields.emplace_back("Retry-After", std::to_string(retry_after->count()));
  return fields;
}

namespace {

Answer refusal(int status, RejectReason reason, std::string body) {
  Answer answer;
  answer.status = status;
  answer.refusal = reason;
  answer.body = std::move(body);
  return answer;
}

// Which kind of upstream a proxied handshake was going to: the 502 names it.
bool to_own_backend(const Decision& decision) { return decision.kind == Decision::Kind::proxy_local; }

}  // namespace

Answer answer_to(const Decision& decision) {
  Answer answer;
  answer.status = decision.status;
  if (decision.kind != Decision::Kind::redirect) answer.refusal = decision.reason_code;
  answer.body = decision.reason;
  answer.location = decision.location;
  answer.retry_after = decision.retry_after;
  answer.headers = decision.headers;
  return answer;
}

Answer handshake_timed_out(std::chrono::nanoseconds limit) {
  return refusal(408, RejectReason::handshake_timeout,
                 "no complete request head within " + json::format_duration(limit));
}

Answer head_too_large(std::size_t max_header_bytes) {
  return refusal(431, RejectReason::header_too_large,
                 "request head exceeds " + std::to_string(max_header_bytes) + " bytes");
}

Answer request_with_body() {
  return refusal(400, RejectReason::bad_request, "a WebSocket upgrade request has no body");
}

Answer malformed_request(std::string_view parse_error) {
  return refusal(400, RejectReason::bad_request, "malformed HTTP request: " + std::string(parse_error));
}

Answer plain_http_on_tls_port() {
  return refusal(400, RejectReason::plain_http_on_tls_port, "plain HTTP request sent to a TLS (wss://) port");
}

Answer not_serving() { return refusal(503, RejectReason::not_serving, "gateway is not serving"); }

Answer no_route(std::string_view target) {
  return refusal(404, RejectReason::no_route, "no route for path '" + std::string(target) + "'");
}

Answer no_upstream_answered(const Decision& decision, std::string_view tried) {
  std::string who = to_own_backend(decision) ? "no backend" : "no gateway of unit " + decision.unit;
  return refusal(502, RejectReason::no_backend, who + " answered: " + std::string(tried));
}

Answer out_of_descriptors(std::string_view error, std::chrono::nanoseconds retry_after) {
  Answer answer = refusal(503, RejectReason::out_of_descriptors,
                          "gateway cannot open an upstream connection: " + std::string(error));
  answer.retry_after = std::chrono::ceil<std::chrono::seconds>(retry_after);
  return answer;
}

Answer upstream_handshake_failed(const Decision& decision, std::string_view error) {
  std::string who = to_own_backend(decision) ? "backend" : "gateway";
  return refusal(502, RejectReason::no_backend,
                 "upstream " + who + " failed during the handshake: " + std::string(error));
}

}  // namespace wsfo::gateway
