#pragma once
// Following 30x by hand (DESIGN.md §1, correction): browsers and most
// WebSocket libraries do not, so the seed's client does it in its
// `unexpected-response` handler. Bounded by a hop limit; a Location already
// visited in this chain is a loop and stops it at once.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clients/ws_url.hpp"

namespace wsfo::clients {

class RedirectFollower {
 public:
  struct Decision {
    enum class Verdict { follow, too_many_hops, loop, bad_location };
    Verdict verdict = Verdict::follow;
    WsUrl next;          // for follow
    std::string reason;  // for the others: one line naming the URLs involved
  };

  explicit RedirectFollower(int max_hops) : max_hops_(max_hops) {}

  // Starts a chain (each connection attempt is one). The chain's first url
  // is the `current` of its first on_redirect: nothing is copied for the
  // many chains that are never redirected.
  void start();
  // `current` answered a redirect to `location`.
  Decision on_redirect(const WsUrl& current, std::string_view location);
  int hops() const { return hops_; }

 private:
  int max_hops_;
  int hops_ = 0;
  std::vector<std::string> visited_;  // canonical texts, short: a chain has a few hops
};

}  // namespace wsfo::clients
