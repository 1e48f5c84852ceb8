#pragma once
// The cap on handshakes in progress (accepted connections whose request head
// is not complete yet), decided for the live gateway and the SimGrid model
// alike. At the cap the gateway stops accepting, so a storm of real clients
// waits in the listen backlog with its heads already sent, as nginx waits
// when its worker connections run out. Only a head that is still incomplete
// `evict_after` past its accept is closed to make room: a flood of silent
// connections holds at most `cap` descriptors and cannot lock newcomers out
// for longer than that.
#include <chrono>
#include <cstddef>

namespace wsfo::gateway {

struct CapRoom {
  enum class Kind {
    accept,        // below the cap
    evict_oldest,  // close the oldest handshake in progress, then accept
    wait,          // at the cap: accept again when one finishes, or after `wait_for`
  };
  Kind kind = Kind::accept;
  std::chrono::nanoseconds wait_for{0};
};

// `oldest_age`: how long the oldest handshake in progress has been waiting
// for its head (ignored below the cap).
CapRoom room_for_next(std::size_t in_progress, std::size_t cap, std::chrono::nanoseconds oldest_age,
                      std::chrono::nanoseconds evict_after);

}  // namespace wsfo::gateway
