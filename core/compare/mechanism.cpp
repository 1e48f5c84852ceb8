#include "core/compare/mechanism.hpp"

#include <array>

namespace wsfo::compare {

namespace {

constexpr std::array kMechanisms = {
    Mechanism::silent_connection_undetected, Mechanism::silent_connection_detected_late,
    Mechanism::reset_by_new_holder,          Mechanism::silent_connection_notice_time,
    Mechanism::kept_on_old_nginx_worker,     Mechanism::unexplained,
};

// A reload re-reads the configuration: nginx keeps the open connections on
// its old workers, wsfo's gateway swaps its backend pool in place.
bool is_reload(std::string_view action) { return action == "backend-add" || action == "backend-remove"; }

// One ordered reading of the rules: `x` is the side that did the unusual thing.
std::optional<Mechanism> explain(const SideFate& x, const SideFate& y, std::string_view action) {
  if (x.fate == Fate::dead_unnoticed && y.fate == Fate::closed) return Mechanism::silent_connection_undetected;
  if (x.fate == Fate::dead_noticed_late && y.fate == Fate::closed)
    return x.disconnect && x.disconnect->is_reset() ? Mechanism::reset_by_new_holder
                                                    : Mechanism::silent_connection_detected_late;
  if (x.fate == Fate::noticed_earlier_dead && y.fate == Fate::stayed) return Mechanism::silent_connection_detected_late;
  if (x.fate == Fate::dead_noticed_late && y.fate == Fate::dead_unnoticed)
    return Mechanism::silent_connection_notice_time;
  if (is_reload(action) && x.fate == Fate::stayed && y.fate == Fate::closed) return Mechanism::kept_on_old_nginx_worker;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::silent_connection_undetected:
      return "silent-connection-undetected";
    case Mechanism::silent_connection_detected_late:
      return "silent-connection-detected-late";
    case Mechanism::reset_by_new_holder:
      return "reset-by-new-holder";
    case Mechanism::silent_connection_notice_time:
      return "silent-connection-notice-time";
    case Mechanism::kept_on_old_nginx_worker:
      return "kept-on-old-nginx-worker";
    case Mechanism::unexplained:
      return "unexplained";
  }
  return "?";
}

std::string_view definition(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::silent_connection_undetected:
      return "the VIP left its node: on one stack the client sat on the dead connection until the window ended, "
             "on the other it was closed at once";
    case Mechanism::silent_connection_detected_late:
      return "the VIP left its node: on one stack the client noticed the dead connection late (not by a reset: a "
             "heartbeat timeout, an end of file), in the window or at a later event, on the other it was closed "
             "at once";
    case Mechanism::reset_by_new_holder:
      return "the VIP left its node: on one stack the client's next send on the dead connection was answered with "
             "a reset by the new holder, more than 1 s later, on the other it was closed at once";
    case Mechanism::silent_connection_notice_time:
      return "the VIP left its node and both stacks left the client on a dead connection; one noticed within the "
             "window, the other not by its end";
    case Mechanism::kept_on_old_nginx_worker:
      return "a reload (backend-add, backend-remove): one stack kept the connection, the other closed it (an old "
             "nginx worker ended by worker_shutdown_timeout, or a gateway that drops on reload)";
    case Mechanism::unexplained:
      return "fits none of the above: the stacks behave differently and nobody knows why yet";
  }
  return "";
}

std::span<const Mechanism> all_mechanisms() { return kMechanisms; }

bool fates_differ(const SideFate& a, const SideFate& b) {
  return disconnected_in_window(a.fate) != disconnected_in_window(b.fate) ||
         silent_in_window(a.fate) != silent_in_window(b.fate);
}

Mechanism classify(const SideFate& a, const SideFate& b, std::string_view action) {
  if (auto m = explain(a, b, action)) return *m;
  if (auto m = explain(b, a, action)) return *m;
  return Mechanism::unexplained;
}

}  // namespace wsfo::compare
