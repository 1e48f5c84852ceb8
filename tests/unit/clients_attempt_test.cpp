// core's client-attempt machine, which the live client and the SimGrid model
// both drive: what each answer leads to, a loop told apart from too many
// hops, and a fenced 503's Retry-After.
#include <gtest/gtest.h>

#include "core/clients/attempt.hpp"

namespace wsfo::clients::attempt_test {
namespace {

using Kind = Step::Kind;

WsUrl url(const std::string& text) {
  std::string error;
  auto parsed = parse_ws_url(text, error);
  EXPECT_TRUE(parsed) << error;
  return parsed.value_or(WsUrl{});
}

Answer redirect_to(std::string_view location, int status = 302) {
  Answer answer;
  answer.status = status;
  answer.reason_phrase = "Found";
  answer.location = location;
  return answer;
}

const std::string kDomain = "ws://websocket.msha.tech:8020/ws";
const std::string kUnbj = "ws://unbj.websocket.msha.tech:8020/ws";
const std::string kCenter = "ws://center.websocket.msha.tech:8020/ws";

TEST(ClientAttempt, A101OpensTheWebSocket) {
  Attempt attempt(5);
  attempt.start();
  Answer answer;
  answer.status = 101;
  Step step = attempt.on_answer(url(kDomain), answer);
  EXPECT_EQ(step.kind, Kind::open);
  EXPECT_EQ(attempt.redirects(), 0);
}

TEST(ClientAttempt, ARedirectIsFollowedToTheCanonicalLocation) {
  Attempt attempt(5);
  attempt.start();
  Step step = attempt.on_answer(url(kDomain), redirect_to("http://center.websocket.msha.tech:8020/ws", 307));
  ASSERT_EQ(step.kind, Kind::follow);
  EXPECT_EQ(step.next.text(), kCenter);
  EXPECT_EQ(step.status, 307);
  EXPECT_EQ(attempt.redirects(), 1);
  Answer open;
  open.status = 101;
  EXPECT_EQ(attempt.on_answer(step.next, open).kind, Kind::open);
  EXPECT_EQ(attempt.redirects(), 1);
}

// A client that behaves as a browser fails the attempt on a 30x, as a
// browser's WebSocket does, and says where it was sent.
TEST(ClientAttempt, ABrowserDoesNotFollowARedirect) {
  Attempt attempt(5, Redirects::refuse);
  attempt.start();
  Step step = attempt.on_answer(url(kDomain), redirect_to(kCenter));
  ASSERT_EQ(step.kind, Kind::fail);
  EXPECT_EQ(step.failure.error, AttemptError::redirect_not_followed);
  EXPECT_EQ(step.failure.status, 302);
  EXPECT_EQ(step.failure.reason, "HTTP 302 to " + kCenter + " from " + kDomain +
                                     ": a browser does not follow a redirect on the WebSocket upgrade");
  EXPECT_EQ(attempt.redirects(), 0);
  // Its other answers mean what they mean to any client.
  Answer open;
  open.status = 101;
  EXPECT_EQ(attempt.on_answer(url(kDomain), open).kind, Kind::open);
  Answer fenced;
  fenced.status = 503;
  fenced.reason_phrase = "Service Unavailable";
  EXPECT_EQ(attempt.on_answer(url(kDomain), fenced).failure.error, AttemptError::http_status);
  // A 304 is no redirect; a 30x without a Location is still not followed.
  EXPECT_EQ(
      attempt.on_answer(url(kDomain), redirect_to("", 307)).failure.reason,
      "HTTP 307 to no Location from " + kDomain + ": a browser does not follow a redirect on the WebSocket upgrade");
  EXPECT_EQ(attempt.on_answer(url(kDomain), redirect_to("", 304)).failure.error, AttemptError::http_status);
}

// Two units whose rules disagree send the client back and forth: the third
// 30x leads to a url of the chain, found after 2 hops, long before the limit.
TEST(ClientAttempt, UnitsRedirectingToEachOtherAreALoop) {
  Attempt attempt(5);
  attempt.start();
  Step to_center = attempt.on_answer(url(kDomain), redirect_to(kCenter));
  ASSERT_EQ(to_center.kind, Kind::follow);
  Step to_unbj = attempt.on_answer(to_center.next, redirect_to(kUnbj));
  ASSERT_EQ(to_unbj.kind, Kind::follow);
  Step back = attempt.on_answer(to_unbj.next, redirect_to(kCenter));
  ASSERT_EQ(back.kind, Kind::fail);
  EXPECT_EQ(back.failure.error, AttemptError::redirect_loop);
  EXPECT_EQ(to_string(back.failure.error), "redirect_loop");
  EXPECT_EQ(back.failure.reason, "redirect loop: " + kUnbj + " -> " + kCenter + " was already visited in this chain");
  EXPECT_EQ(back.failure.status, 302);
  EXPECT_EQ(attempt.redirects(), 2);
}

TEST(ClientAttempt, NewUrlsBeyondTheLimitAreTooManyRedirects) {
  Attempt attempt(2);
  attempt.start();
  WsUrl current = url("ws://a:1/p");
  for (const char* next : {"ws://b:1/p", "ws://c:1/p"}) {
    Step step = attempt.on_answer(current, redirect_to(next));
    ASSERT_EQ(step.kind, Kind::follow) << next;
    current = step.next;
  }
  Step step = attempt.on_answer(current, redirect_to("ws://d:1/p"));
  ASSERT_EQ(step.kind, Kind::fail);
  EXPECT_EQ(step.failure.error, AttemptError::too_many_redirects);
  EXPECT_EQ(to_string(step.failure.error), "too_many_redirects");
  EXPECT_EQ(step.failure.reason, "too many redirects: more than 2 (last ws://c:1/p -> ws://d:1/p)");
  EXPECT_EQ(attempt.redirects(), 2);
}

TEST(ClientAttempt, StartForgetsTheLastChain) {
  Attempt attempt(5);
  attempt.start();
  ASSERT_EQ(attempt.on_answer(url(kDomain), redirect_to(kCenter)).kind, Kind::follow);
  attempt.start();
  EXPECT_EQ(attempt.redirects(), 0);
  // kCenter was visited in the last chain, not in this one.
  EXPECT_EQ(attempt.on_answer(url(kUnbj), redirect_to(kCenter)).kind, Kind::follow);
}

TEST(ClientAttempt, ARedirectWithoutAUsableLocationIsBadLocation) {
  Attempt attempt(5);
  attempt.start();
  Step step = attempt.on_answer(url(kDomain), redirect_to(""));
  ASSERT_EQ(step.kind, Kind::fail);
  EXPECT_EQ(step.failure.error, AttemptError::bad_location);
  EXPECT_EQ(step.failure.reason, "redirect without a Location header (from " + kDomain + ")");
}

TEST(ClientAttempt, AFenced503CarriesItsRetryAfter) {
  Attempt attempt(5);
  attempt.start();
  Answer answer;
  answer.status = 503;
  answer.reason_phrase = "Service Unavailable";
  answer.body = "slot 6249 is fenced (rules v2)\nsecond line";
  answer.retry_after = parse_retry_after("2");
  Step step = attempt.on_answer(url(kCenter), answer);
  ASSERT_EQ(step.kind, Kind::fail);
  EXPECT_EQ(step.failure.error, AttemptError::http_status);
  EXPECT_EQ(step.failure.reason, "HTTP 503 Service Unavailable: slot 6249 is fenced (rules v2)");
  EXPECT_EQ(step.failure.status, 503);
  ASSERT_TRUE(step.failure.retry_after);
  EXPECT_EQ(*step.failure.retry_after, std::chrono::seconds(2));
}

TEST(ClientAttempt, OtherStatusesAndA304AreRefusals) {
  Attempt attempt(5);
  attempt.start();
  Answer not_found;
  not_found.status = 404;
  not_found.reason_phrase = "Not Found";
  Step step = attempt.on_answer(url(kCenter), not_found);
  ASSERT_EQ(step.kind, Kind::fail);
  EXPECT_EQ(step.failure.reason, "HTTP 404 Not Found");
  EXPECT_FALSE(step.failure.retry_after);
  Step not_modified = attempt.on_answer(url(kCenter), redirect_to(kUnbj, 304));
  ASSERT_EQ(not_modified.kind, Kind::fail);
  EXPECT_EQ(not_modified.failure.error, AttemptError::http_status);
}

TEST(ClientAttempt, RetryAfterIsWholeSecondsUpToADay) {
  EXPECT_EQ(parse_retry_after("0"), std::chrono::seconds(0));
  EXPECT_EQ(parse_retry_after("86400"), std::chrono::seconds(86400));
  EXPECT_FALSE(parse_retry_after("86401"));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after("1.5"));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(ClientAttempt, FailuresBeforeAnAnswerKeepTheirKindAndReason) {
  Step step = Attempt::on_failure(AttemptError::refused, refused_reason("127.0.10.1:8020"));
  ASSERT_EQ(step.kind, Kind::fail);
  EXPECT_EQ(to_string(step.failure.error), "refused");
  EXPECT_EQ(step.failure.reason, "connect to 127.0.10.1:8020: Connection refused");
  EXPECT_EQ(step.failure.status, 0);
  EXPECT_EQ(timeout_reason(AttemptError::handshake_timeout, "127.0.10.1:8020", std::chrono::seconds(2)),
            "handshake with 127.0.10.1:8020: no answer within 2000 ms");
  EXPECT_EQ(timeout_reason(AttemptError::connect_timeout, "127.0.10.1:8020", std::chrono::milliseconds(1500)),
            "connect to 127.0.10.1:8020: no answer within 1500 ms");
}

// wss:// is dialed like ws:// (once refused as unsupported): a redirect keeps
// the scheme its Location names, in both directions, with the scheme's
// default port, and a failed TLS handshake is reported in the same words as
// the other failures before an answer.
TEST(ClientAttempt, RedirectsKeepTheSchemeOfTheirLocation) {
  Attempt attempt(5);
  attempt.start();
  Step step =
      attempt.on_answer(url("wss://websocket.msha.tech/ws"), redirect_to("wss://center.websocket.msha.tech/ws"));
  ASSERT_EQ(step.kind, Kind::follow);
  EXPECT_EQ(step.next.scheme, "wss");
  EXPECT_EQ(step.next.port, 443);
  EXPECT_EQ(step.next.text(), "wss://center.websocket.msha.tech:443/ws");
  step = attempt.on_answer(step.next, redirect_to("/ws?unit=center"));
  ASSERT_EQ(step.kind, Kind::follow);
  EXPECT_EQ(step.next.scheme, "wss") << "a relative Location stays on TLS";
  step = attempt.on_answer(step.next, redirect_to("ws://unbj.websocket.msha.tech:8020/ws"));
  ASSERT_EQ(step.kind, Kind::follow);
  EXPECT_EQ(step.next.scheme, "ws");
  EXPECT_EQ(step.next.text(), kUnbj);
  EXPECT_EQ(attempt.redirects(), 3);

  step = Attempt::on_failure(AttemptError::certificate_error,
                             tls_failure_reason("127.0.10.1:443", "certificate verify failed: hostname mismatch"));
  ASSERT_EQ(step.kind, Kind::fail);
  EXPECT_EQ(to_string(step.failure.error), "certificate_error");
  EXPECT_EQ(step.failure.reason, "tls handshake with 127.0.10.1:443: certificate verify failed: hostname mismatch");
}

// The texts the history has always recorded (docs/history.md).
TEST(ClientAttempt, ErrorCodesAreTheHistorysTexts) {
  const std::pair<AttemptError, const char*> codes[] = {
      {AttemptError::unresolvable, "unresolvable"},
      {AttemptError::bind_failed, "bind_failed"},
      {AttemptError::refused, "refused"},
      {AttemptError::connect_failed, "connect_failed"},
      {AttemptError::connect_timeout, "connect_timeout"},
      {AttemptError::handshake_timeout, "handshake_timeout"},
      {AttemptError::certificate_error, "certificate_error"},
      {AttemptError::tls_failed, "tls_failed"},
      {AttemptError::bad_http, "bad_http"},
      {AttemptError::bad_handshake, "bad_handshake"},
      {AttemptError::http_status, "http_status"},
      {AttemptError::redirect_loop, "redirect_loop"},
      {AttemptError::too_many_redirects, "too_many_redirects"},
      {AttemptError::bad_location, "bad_location"},
      {AttemptError::redirect_not_followed, "redirect_not_followed"},
  };
  for (auto [error, text] : codes) EXPECT_EQ(to_string(error), text);
}

}  // namespace
}  // namespace wsfo::clients::attempt_test
