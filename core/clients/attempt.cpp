#include "core/clients/attempt.hpp"

#include <charconv>

namespace wsfo::clients {

namespace {

std::string first_line(std::string_view text, std::size_t limit = 200) {
  std::string line(text.substr(0, text.find_first_of("\r\n")));
  if (line.size() > limit) line = line.substr(0, limit) + "...";
  return line;
}

std::string ms_count(Nanos d) { return std::to_string(d.count() / 1'000'000); }

}  // namespace

std::string_view to_string(AttemptError error) {
  switch (error) {
    case AttemptError::unresolvable:
      return "unresolvable";
    case AttemptError::bind_failed:
      return "bind_failed";
    case AttemptError::refused:
      return "refused";
    case AttemptError::connect_failed:
      return "connect_failed";
    case AttemptError::connect_timeout:
      return "connect_timeout";
    case AttemptError::handshake_timeout:
      return "handshake_timeout";
    case AttemptError::certificate_error:
      return "certificate_error";
    case AttemptError::tls_failed:
      return "tls_failed";
    case AttemptError::bad_http:
      return "bad_http";
    case AttemptError::bad_handshake:
      return "bad_handshake";
    case AttemptError::http_status:
      return "http_status";
    case AttemptError::redirect_loop:
      return "redirect_loop";
    case AttemptError::too_many_redirects:
      return "too_many_redirects";
    case AttemptError::bad_location:
      return "bad_location";
    case AttemptError::redirect_not_followed:
      return "redirect_not_followed";
    case AttemptError::shutdown:
      return "shutdown";
  }
  return "?";
}

Step Attempt::on_answer(const WsUrl& current, const Answer& answer) {
  Step step;
  if (answer.status == 101) {
    step.kind = Step::Kind::open;
    return step;
  }
  step.failure.status = answer.status;
  // 304 Not Modified is a 3xx without a Location to follow.
  if (answer.status / 100 == 3 && answer.status != 304 && redirects_ == Redirects::refuse) {
    step.failure.error = AttemptError::redirect_not_followed;
    step.failure.reason = "HTTP " + std::to_string(answer.status) + " to " +
                          (answer.location.empty() ? std::string("no Location") : first_line(answer.location)) +
                          " from " + current.text() + ": a browser does not follow a redirect on the WebSocket upgrade";
    return step;
  }
  if (answer.status / 100 == 3 && answer.status != 304) {
    auto decision = follower_.on_redirect(current, answer.location);
    using Verdict = RedirectFollower::Decision::Verdict;
    switch (decision.verdict) {
      case Verdict::follow:
        step.kind = Step::Kind::follow;
        step.next = std::move(decision.next);
        step.status = answer.status;
        return step;
      case Verdict::loop:
        step.failure.error = AttemptError::redirect_loop;
        break;
      case Verdict::too_many_hops:
        step.failure.error = AttemptError::too_many_redirects;
        break;
      case Verdict::bad_location:
        step.failure.error = AttemptError::bad_location;
        break;
    }
    step.failure.reason = std::move(decision.reason);
    return step;
  }
  step.failure.error = AttemptError::http_status;
  step.failure.reason = "HTTP " + std::to_string(answer.status) + " " + std::string(answer.reason_phrase);
  if (!answer.body.empty()) step.failure.reason += ": " + first_line(answer.body);
  step.failure.retry_after = answer.retry_after;
  return step;
}

Step Attempt::on_failure(AttemptError error, std::string reason) {
  Step step;
  step.failure.error = error;
  step.failure.reason = std::move(reason);
  return step;
}

std::string browser_origin(const WsUrl& url) { return "http://" + url.host_header(); }

std::optional<Nanos> parse_retry_after(std::string_view value) {
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0 || seconds > 86400) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::string tls_failure_reason(std::string_view peer, std::string_view cause) {
  return "tls handshake with " + std::string(peer) + ": " + std::string(cause);
}

std::string unresolvable_reason(std::string_view host) {
  return "cannot resolve '" + std::string(host) + "': not in the --resolve map and not a numeric address";
}

std::string refused_reason(std::string_view peer) { return connect_failed_reason(peer, "Connection refused"); }

std::string connect_failed_reason(std::string_view peer, std::string_view cause) {
  return "connect to " + std::string(peer) + ": " + std::string(cause);
}

std::string garbage_answer_reason(std::string_view peer, std::string_view cause) {
  return "garbage HTTP answer from " + std::string(peer) + ": " + std::string(cause);
}

std::string timeout_reason(AttemptError error, std::string_view peer, Nanos timeout) {
  const char* what = error == AttemptError::connect_timeout ? "connect to " : "handshake with ";
  return what + std::string(peer) + ": no answer within " + ms_count(timeout) + " ms";
}

}  // namespace wsfo::clients
