#include "core/clients/client_stream.hpp"

#include "core/util/random.hpp"

namespace wsfo::clients {

std::uint64_t client_stream_seed(std::uint64_t seed, std::uint64_t router_id, std::uint64_t index) {
  return util::SplitMix64(seed ^ router_id * 0x9E3779B97F4A7C15ULL).next() ^ index;
}

std::size_t address_pick(std::uint64_t draw, std::size_t count) {
  return static_cast<std::size_t>(util::SplitMix64::scale_inclusive(draw, count - 1));
}

}  // namespace wsfo::clients
