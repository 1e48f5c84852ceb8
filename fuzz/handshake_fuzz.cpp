// The gateway's handshake path without sockets: the request head bytes as
// Beast's parser reads them (the parser, header limit and error handling of
// gateway/handshake.cpp), the route decision of core/gateway/route_decision,
// and the answer the gateway would write (gateway/answer_writer.cpp), which
// must serialize to a response a client can parse, with no header split by
// bytes that came from the request.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fuzzer/FuzzedDataProvider.h>
#include <sstream>
#include <string>
#include <vector>

#include "core/gateway/answers.hpp"
#include "core/gateway/route_decision.hpp"
#include "fuzz/fuzz_support.hpp"

namespace http = boost::beast::http;
using namespace wsfo;
using namespace wsfo::gateway;

namespace {

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }
boost::beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

// The seed's unbj gateway (tests/unit/gateway_test_config.hpp), in variants
// that reach every branch of the route table.
json::Json base_config() {
  return json::Json::parse(R"({
    "node": "unbj-gw1", "unit": "unbj", "listen": ["127.0.0.1:0"],
    "units": {
      "center": {"public_url": "ws://center.websocket.msha.tech:8080", "gateways": ["127.0.1.1:8080"]},
      "unbj": {"public_url": "ws://unbj.websocket.msha.tech:8080/", "gateways": ["127.0.2.1:8080"]}
    },
    "rules": {"version": 1, "modulus": 10000,
              "ranges": [{"from": 0, "to": 5997, "unit": "center"}, {"from": 5998, "to": 9999, "unit": "unbj"}]},
    "routes": [{"prefix": "/", "backends": ["127.0.0.1:9001"]},
               {"prefix": "/ws/chat", "backends": ["127.0.0.1:9002", "127.0.0.1:9003"], "balance": "router_id_hash"}],
    "limits": {"max_connections": 100, "retry_after": "2s", "max_header_bytes": 2048}
  })");
}

struct Variant {
  GatewayConfig config;
  RulesState rules;
};

std::vector<Variant> make_variants() {
  std::vector<Variant> variants;
  const json::Json corrections[] = {"redirect", "proxy"};
  const json::Json missing[] = {"local", "reject", "center"};
  const json::Json orders[] = {json::Json{"header", "cookie", "query"}, json::Json{"query", "cookie", "header"},
                               json::Json{"cookie"}};
  for (const auto& correction : corrections)
    for (const auto& policy : missing)
      for (const auto& order : orders) {
        json::Json document = base_config();
        document["correction"] = correction;
        document["router_id"] = {{"sources", order}, {"missing", policy}};
        json::Problems problems;
        auto config = read_gateway_config(document, problems);
        if (!config) {
          for (const auto& p : problems.list()) std::fprintf(stderr, "%s\n", json::format(p).c_str());
          std::abort();
        }
        RulesState state(config->rules);
        // Half of them mid-cutover: version 2 moves [5998, 6380] to center, fenced.
        variants.push_back({*config, state});
        auto next = routing::RuleSet::build(2, {{0, 6380, "center"}, {6381, 9999, "unbj"}}, {"center", "unbj"});
        if (!next.rules || !state.prepare(*next.rules).ok()) std::abort();
        variants.push_back({*config, state});
      }
  return variants;
}

// The answer as gateway/answer_writer.cpp builds it, serialized.
std::string serialize(const GatewayConfig& config, const Answer& answer) {
  http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
  response.reason(bsv(answer.phrase()));
  response.set(http::field::server, "wsfo-gateway");
  response.set(bsv(kUnitHeader), config.unit);
  response.set(bsv(kNodeHeader), config.node);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  for (const auto& [name, value] : answer.header_fields()) response.set(name, value);
  response.keep_alive(false);
  response.body() = answer.body + "\n";
  response.prepare_payload();
  std::ostringstream out;
  out << response;
  return out.str();
}

// What a client reads back: one complete response, with the status and the
// header fields the gateway set (a CR or LF from the request in a header value
// would end the header early or add fields).
void check_answer(const GatewayConfig& config, const Answer& answer) {
  WSFO_FUZZ_CHECK(answer.status >= 300 && answer.status <= 599);
  WSFO_FUZZ_CHECK(answer.body.find_first_of("\r\n") == std::string::npos);
  const std::string wire = serialize(config, answer);
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  WSFO_FUZZ_CHECK(!ec);
  WSFO_FUZZ_CHECK(parser.is_done());
  WSFO_FUZZ_CHECK(used == wire.size());
  const auto& response = parser.get();
  WSFO_FUZZ_CHECK(response.result_int() == static_cast<unsigned>(answer.status));
  WSFO_FUZZ_CHECK(response.body() == answer.body + "\n");
  for (const auto& [name, value] : answer.header_fields())
    WSFO_FUZZ_CHECK(sv(response[bsv(name)]) == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<Variant> variants = make_variants();
  FuzzedDataProvider in(data, size);
  const Variant& variant = variants[in.ConsumeIntegralInRange<std::size_t>(0, variants.size() - 1)];
  const std::size_t live = in.ConsumeBool() ? variant.config.limits.max_connections : 0;
  // Bytes arrive in two reads, split anywhere, as they may from a socket.
  const std::size_t split = in.ConsumeIntegral<std::uint16_t>();
  const std::string bytes = in.ConsumeRemainingBytesAsString();

  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(variant.config.limits.max_header_bytes));
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  std::size_t fed = 0;
  for (std::size_t end : {std::min(split, bytes.size()), bytes.size()}) {
    if (end > fed) {
      auto space = buffer.prepare(end - fed);
      std::memcpy(space.data(), bytes.data() + fed, end - fed);
      buffer.commit(end - fed);
      fed = end;
    }
    while (!ec && !parser.is_done() && buffer.size() > 0) {
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (used == 0) break;
    }
    if (ec || parser.is_done()) break;
  }
  // The client stopped sending: Beast's read reports end_of_stream when no
  // byte came, else asks the parser what the end means.
  if (!ec && !parser.is_done()) {
    if (parser.got_some())
      parser.put_eof(ec);
    else
      ec = http::error::end_of_stream;
  }
  if (ec) {
    if (ec == http::error::header_limit)
      check_answer(variant.config, head_too_large(variant.config.limits.max_header_bytes));
    else if (ec == http::error::unexpected_body)
      check_answer(variant.config, request_with_body());
    else if (ec != http::error::partial_message && ec != http::error::end_of_stream)
      check_answer(variant.config, malformed_request(ec.message()));
    return 0;
  }

  const auto& request = parser.get();
  RequestHead head{sv(request.method_string()), request.version(), sv(request.target()), {}};
  for (const auto& field : request) head.fields.emplace_back(sv(field.name_string()), sv(field.value()));
  Decision decision = decide(DecisionInputs{head, variant.config, variant.rules, live});
  switch (decision.kind) {
    case Decision::Kind::reject:
    case Decision::Kind::redirect:
      check_answer(variant.config, answer_to(decision));
      break;
    case Decision::Kind::proxy_local:
    case Decision::Kind::proxy_to_unit:
      WSFO_FUZZ_CHECK(!decision.unit.empty());
      // What the gateway answers when no upstream is there.
      check_answer(variant.config, no_route(head.target));
      check_answer(variant.config, no_upstream_answered(decision, "127.0.0.1:9001 (connection refused)"));
      break;
  }
  return 0;
}
