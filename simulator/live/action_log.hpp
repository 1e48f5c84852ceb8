#pragma once
// The orchestrator's own records of a run on real processes: one `action`
// event per timeline action, stamped on the run's clock, and the line that
// tells the user. Shared by the engines that play on real processes.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/history/records.hpp"

namespace wsfo::live {

class ActionLog {
 public:
  void set_start_ns(std::int64_t start_ns) { start_ns_ = start_ns; }
  void started(std::size_t index, const std::string& name, std::int64_t at_ns, std::ostream& log) {
    log << "[+" << (at_ns - start_ns_) / 1'000'000 << " ms] #" << index << " " << name << "\n";
    events_.push_back(history::make_event({at_ns, "orchestrator", std::nullopt}, history::ActionRecord{index, name}));
  }
  const std::vector<history::Event>& events() const { return events_; }

 private:
  std::int64_t start_ns_ = 0;
  std::vector<history::Event> events_;
};

}  // namespace wsfo::live
