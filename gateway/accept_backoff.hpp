#pragma once
// What an accept loop does after a failed accept. Out of descriptors (EMFILE,
// ENFILE) the listening socket stays readable, so retrying at once would spin
// on the gateway's only thread: wait instead, 10 ms doubling to 250 ms while
// the failures go on, and log at most one line a second (saying how many
// failures it stands for; the line saying accepts work again counts too).
// The first successful accept resets the wait, so the loop resumes within
// 250 ms of a descriptor coming free.
#include <utility>  // Boost 1.74's asio needs it first
//
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wsfo::gateway {

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirstWait{10};
  static constexpr std::chrono::milliseconds kMaxWait{250};
  static constexpr std::chrono::seconds kLogInterval{1};

  struct Step {
    std::chrono::milliseconds wait;  // before the next accept
    bool log = false;                // a log line is due
    std::uint64_t failures = 0;      // how many failed accepts that line stands for
  };

  // "descriptors" for EMFILE and ENFILE, "other" for the rest (the metrics label).
  static std::string_view reason(const boost::system::error_code& ec) {
    bool descriptors = ec == boost::asio::error::no_descriptors ||
                       ec == boost::system::errc::too_many_files_open_in_system;
    return descriptors ? "descriptors" : "other";
  }

  Step failed(std::chrono::steady_clock::time_point now) {
    Step step{wait_, false, ++unlogged_};
    wait_ = std::min(wait_ * 2, kMaxWait);
    if (line_due(now)) {
      step.log = true;
      unlogged_ = 0;
    }
    return step;
  }

  // True when failures preceded this success (the loop has just resumed) and
  // a log line is due: the caller logs that accepts work again.
  bool succeeded(std::chrono::steady_clock::time_point now) {
    bool resumed = wait_ != kFirstWait;
    wait_ = kFirstWait;
    return resumed && line_due(now);
  }

 private:
  bool line_due(std::chrono::steady_clock::time_point now) {
    if (last_log_ && now - *last_log_ < kLogInterval) return false;
    last_log_ = now;
    return true;
  }

  std::chrono::milliseconds wait_ = kFirstWait;
  std::optional<std::chrono::steady_clock::time_point> last_log_;
  std::uint64_t unlogged_ = 0;
};

}  // namespace wsfo::gateway
