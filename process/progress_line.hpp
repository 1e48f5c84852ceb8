#pragma once
// A status line refreshed in place on a terminal: each new text goes over the
// previous one (carriage return, padded with spaces), at most once per
// `every` of wall time, and clear() leaves the cursor on a clean line for what
// follows. Disabled (not a terminal), it writes nothing at all. Used by `wsfo
// run` while it waits, `wsfo simulate` and the benches.
#include <chrono>
#include <ostream>
#include <string>

namespace wsfo::process {

// Whether the file descriptor is a terminal (isatty): where progress goes.
bool is_terminal(int fd);
// Whether standard output is a terminal: progress is for people, not logs.
bool stdout_is_terminal();
// The width of the terminal on `fd` in columns; 0 when it is not a terminal or does not say.
std::size_t terminal_columns(int fd);

class ProgressLine {
 public:
  ProgressLine(std::ostream& out, bool enabled,
               std::chrono::milliseconds every = std::chrono::milliseconds(250));
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  // Whether show() would write now (so a caller can skip building the text).
  bool due() const;
  // Shows `text` in place of the line shown before; unless `force`, not
  // before `every` has passed since the last one.
  void show(const std::string& text, bool force = false);
  // Erases the line shown, if any.
  void clear();

 private:
  std::ostream& out_;
  bool enabled_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point last_{};
  std::size_t shown_ = 0;  // length of the text on the line now
};

}  // namespace wsfo::process
