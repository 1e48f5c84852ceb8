#pragma once
// The fixed list of reasons why one routerId can fare differently on two
// stacks at the same timeline event (docs/crosscheck.md). Each has one rule
// over the two sides' fates; a difference no rule fits is unexplained, and
// an unexplained difference means one stack does something the other does not
// that nobody has understood yet.
#include <optional>
#include <span>
#include <string_view>

#include "core/compare/client_fate.hpp"

namespace wsfo::compare {

enum class Mechanism {
  silent_connection_undetected,
  silent_connection_detected_late,
  reset_by_new_holder,
  silent_connection_notice_time,
  kept_on_old_nginx_worker,
  unexplained,
};

std::string_view to_string(Mechanism mechanism);   // "silent-connection-undetected", ...
std::string_view definition(Mechanism mechanism);  // one line: the rule and what it means
std::span<const Mechanism> all_mechanisms();       // in the order reports list them, `unexplained` last

// Do the two fates differ? Disconnected in the window on one side and not on
// the other, or left on a dead connection by the event on one side only.
bool fates_differ(const SideFate& a, const SideFate& b);

// The mechanism explaining differing fates at an event whose action is `action`
// ("backend-add", "kill", ...); the rules are symmetric in a and b.
Mechanism classify(const SideFate& a, const SideFate& b, std::string_view action);

}  // namespace wsfo::compare
