#pragma once
// `wsfo demo`: echoes the seed-style lines of verbose client processes on our
// stdout. Beside the background population every connect makes the backends
// broadcast "<label> new connection: <path>" to all their clients, which
// would bury the three seed clients' lines; each client shows only the
// broadcast that follows its own connect, as the seed's single client did.
#include <atomic>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "process/child_process.hpp"

namespace wsfo::live {

// Which lines to echo. Lines look like "[1111] msg: ..." (several clients in
// one process) or "msg: ..." (one client).
class BroadcastFold {
 public:
  bool keep(const std::string& line);
  std::size_t folded() const { return folded_; }

 private:
  std::map<std::string, bool> shown_since_connect_;  // by client prefix
  std::size_t folded_ = 0;
};

class VerboseEcho {
 public:
  // Reads `child`'s stdout on a thread until stop(); `child` must outlive it.
  VerboseEcho(process::ChildProcess& child, std::ostream& out, std::mutex& out_mutex);
  ~VerboseEcho() { stop(); }
  VerboseEcho(const VerboseEcho&) = delete;
  VerboseEcho& operator=(const VerboseEcho&) = delete;

  void stop();

 private:
  process::ChildProcess& child_;
  std::ostream& out_;
  std::mutex& out_mutex_;
  BroadcastFold fold_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace wsfo::live
