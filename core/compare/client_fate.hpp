#pragma once
// What happened to one routerId at one timeline event on one stack: it kept
// its connection, lost it, or was left on a dead connection (its VIP moved
// away and nothing told it) and noticed late or not at all. Two stacks'
// fates are what the comparison sets side by side.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/compare/run_view.hpp"

namespace wsfo::compare {

enum class Fate {
  stayed,                // no disconnect in the window, and not left on a dead connection
  closed,                // disconnected in the window, at once (not silently)
  dead_noticed_late,     // left on a dead connection in the window, noticed it later in the window
  dead_unnoticed,        // left on a dead connection in the window, had not noticed by the window's end
  noticed_earlier_dead,  // disconnected in the window: noticed a connection left dead at an earlier event
};

std::string_view to_string(Fate fate);

// Disconnected within the window (whatever the reason)?
bool disconnected_in_window(Fate fate);
// Left on a dead connection by this window's event?
bool silent_in_window(Fate fate);

// The first `disconnected` of a routerId in a window.
struct Disconnect {
  std::string cause;          // as the report groups it: "node lost", "shutdown (1001)", ...
  std::string reason;         // the client's words: "Connection reset by peer", "End of file", ...
  std::string closed_by;      // "network", "server", "client"
  std::int64_t after_ns = 0;  // since the window's event

  // The peer answered with a reset: on a dead connection, the new VIP holder
  // answering the client's next send.
  bool is_reset() const;
};

struct SideFate {
  Fate fate = Fate::stayed;
  std::optional<Disconnect> disconnect;          // the first one in the window
  std::optional<std::int64_t> dead_after_ns;     // left on a dead connection: since the window's event
  std::optional<std::int64_t> noticed_after_ns;  // when it noticed, since the window's event (may lie past its end)
  std::optional<std::size_t> dead_since_event;   // noticed_earlier_dead: the event that left it dead
};

// Per window, per routerId touched on this side (disconnected in the window or
// left dead by its event); a routerId absent from a window's map stayed.
class FateIndex {
 public:
  explicit FateIndex(const RunView& run);

  SideFate fate(std::size_t window, std::uint64_t router_id) const;
  // Every routerId whose fate at `window` is not `stayed`, sorted.
  std::vector<std::uint64_t> touched(std::size_t window) const;

 private:
  std::vector<std::map<std::uint64_t, SideFate>> by_window_;
};

}  // namespace wsfo::compare
