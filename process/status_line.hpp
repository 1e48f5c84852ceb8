#pragma once
// The progress line of a command that spends seconds to minutes inside calls
// that block (a measurement, a child process, a fleet connecting): a thread
// refreshes a ProgressLine in place with what is being done, a count where
// one is known and the seconds since the command began, so the line moves
// while the caller waits. Whole lines written to log() go above the status
// line, never through it. Disabled (stdout is not a terminal), there is no
// thread and log() is the stream itself: the output is byte for byte what it
// would be without a status line.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#include "process/progress_line.hpp"

namespace wsfo::process {

class StatusLine {
 public:
  // `command` leads the line ("bench storm"). `every`: how often it is redrawn.
  StatusLine(std::ostream& out, bool enabled, std::string command,
             std::chrono::milliseconds every = std::chrono::milliseconds(250))
      : StatusLine(out, enabled, std::move(command), every, -1) {}
  // On standard output when it is a terminal, cut to the terminal's width (a
  // wrapped line could not be redrawn in place); else disabled.
  explicit StatusLine(std::string command);
  ~StatusLine();
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  bool enabled() const { return enabled_; }
  // What is being done from now on, e.g. "round 2 of 9, nginx: echo"; shown at once.
  void doing(std::string what);

  // While a Counting lives, its function's text follows what is being done
  // (e.g. "1200 of 5000 clients connected"). The function is called on the
  // refreshing thread, under the line's lock: it reads counters that are safe
  // to read from there, and writes nothing to log().
  class Counting {
   public:
    Counting() = default;
    Counting(Counting&& other) noexcept : line_(std::exchange(other.line_, nullptr)) {}
    Counting& operator=(Counting&&) = delete;
    ~Counting();

   private:
    friend class StatusLine;
    explicit Counting(StatusLine* line) : line_(line) {}
    StatusLine* line_ = nullptr;
  };
  [[nodiscard]] Counting counting(std::function<std::string()> count);

  // Where the command's own lines go while the status line is shown: each
  // whole line is written above it (a partial one waits for its newline).
  std::ostream& log() { return enabled_ ? *log_ : out_; }

  // Stops the refreshing thread, writes what log() holds and erases the
  // status line: the table that follows starts on a clean line. Idempotent.
  void finish();

 private:
  StatusLine(std::ostream& out, bool enabled, std::string command, std::chrono::milliseconds every, int width_fd);
  class LogBuffer;
  std::string text_locked() const;  // the line as shown now; the lock is held
  void write_lines(const std::string& lines);
  void refresh_loop();

  std::ostream& out_;
  const bool enabled_;
  const std::string command_;
  const std::chrono::milliseconds every_;
  const int width_fd_ = -1;  // the terminal whose width the line is cut to; -1: not cut
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  ProgressLine line_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string doing_;
  std::function<std::string()> count_;
  std::unique_ptr<LogBuffer> buffer_;
  std::unique_ptr<std::ostream> log_;
  std::thread refresher_;
};

// For code handed a status line that may be absent (nullptr: nothing shown).
inline void show_doing(StatusLine* status, std::string what) {
  if (status) status->doing(std::move(what));
}
[[nodiscard]] inline StatusLine::Counting show_count(StatusLine* status, std::function<std::string()> count) {
  return status ? status->counting(std::move(count)) : StatusLine::Counting();
}

}  // namespace wsfo::process
