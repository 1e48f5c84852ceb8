#pragma once
// Reproducible randomness handed to core objects by their callers: SplitMix64
// (Steele, Lea, Flood 2014) is tiny (8 bytes of state), fast, and good enough
// for jitter, sampling and shuffles; it is not for cryptography.
#include <cstdint>

namespace wsfo::util {

class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed = 0) : state_(seed) {}

  constexpr std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound] (inclusive) without modulo bias worth speaking of:
  // the high 64 bits of a 128-bit product (Lemire's multiply-shift).
  constexpr std::uint64_t uniform_inclusive(std::uint64_t bound) { return scale_inclusive(next(), bound); }

  // Maps one 64-bit random draw onto [0, bound], for callers that hold a draw.
  static constexpr std::uint64_t scale_inclusive(std::uint64_t draw, std::uint64_t bound) {
    if (bound == UINT64_MAX) return draw;
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(draw) * (bound + 1)) >> 64);
  }

  constexpr std::uint64_t state() const { return state_; }

 private:
  std::uint64_t state_;
};

}  // namespace wsfo::util
