#pragma once
// Counts messages lost in each backend's `<seq>:<label>` broadcast
// (DESIGN.md §1, backends). Only what one connection heard is compared: the
// broadcasts sent while a client was disconnected are not gaps.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsfo::clients {

class SequenceTracker {
 public:
  struct Observation {
    std::uint64_t missing = 0;  // numbers skipped since the previous one from this backend
    bool out_of_order = false;  // not greater than the previous one (duplicate or reordered)
  };

  Observation observe(std::string_view backend, std::uint64_t seq);
  // A new connection: forget the last numbers (and their memory).
  void reset() { std::vector<std::pair<std::string, std::uint64_t>>().swap(last_); }

  std::uint64_t total_missing() const { return total_missing_; }
  std::uint64_t total_out_of_order() const { return total_out_of_order_; }

 private:
  // Usually one entry: a connection is served by one backend.
  std::vector<std::pair<std::string, std::uint64_t>> last_;
  std::uint64_t total_missing_ = 0;
  std::uint64_t total_out_of_order_ = 0;
};

}  // namespace wsfo::clients
