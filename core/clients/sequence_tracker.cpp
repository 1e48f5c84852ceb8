#include "core/clients/sequence_tracker.hpp"

namespace wsfo::clients {

SequenceTracker::Observation SequenceTracker::observe(std::string_view backend, std::uint64_t seq) {
  Observation result;
  for (auto& [label, last] : last_) {
    if (label != backend) continue;
    if (seq <= last) {
      result.out_of_order = true;
      ++total_out_of_order_;
    } else {
      result.missing = seq - last - 1;
      total_missing_ += result.missing;
      last = seq;
    }
    return result;
  }
  last_.emplace_back(std::string(backend), seq);
  return result;
}

}  // namespace wsfo::clients
