#include "core/clients/redirect_follower.hpp"

#include <algorithm>

namespace wsfo::clients {

void RedirectFollower::start() {
  hops_ = 0;
  visited_.clear();
}

RedirectFollower::Decision RedirectFollower::on_redirect(const WsUrl& current, std::string_view location) {
  using Verdict = Decision::Verdict;
  Decision decision;
  std::string error;
  auto next = resolve_location(current, location, error);
  if (!next) {
    decision.verdict = Verdict::bad_location;
    decision.reason = error + " (from " + current.text() + ")";
    return decision;
  }
  if (visited_.empty()) visited_.push_back(current.text());
  std::string text = next->text();
  if (std::find(visited_.begin(), visited_.end(), text) != visited_.end()) {
    decision.verdict = Verdict::loop;
    decision.reason = "redirect loop: " + current.text() + " -> " + text + " was already visited in this chain";
    return decision;
  }
  if (hops_ >= max_hops_) {
    decision.verdict = Verdict::too_many_hops;
    decision.reason =
        "too many redirects: more than " + std::to_string(max_hops_) + " (last " + current.text() + " -> " + text + ")";
    return decision;
  }
  ++hops_;
  visited_.push_back(std::move(text));
  decision.next = std::move(*next);
  return decision;
}

}  // namespace wsfo::clients
