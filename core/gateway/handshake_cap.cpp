#include "core/gateway/handshake_cap.hpp"

namespace wsfo::gateway {

CapRoom room_for_next(std::size_t in_progress, std::size_t cap, std::chrono::nanoseconds oldest_age,
                      std::chrono::nanoseconds evict_after) {
  if (in_progress < cap) return {CapRoom::Kind::accept, {}};
  if (oldest_age >= evict_after) return {CapRoom::Kind::evict_oldest, {}};
  return {CapRoom::Kind::wait, evict_after - oldest_age};
}

}  // namespace wsfo::gateway
