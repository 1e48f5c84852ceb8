#include "process/progress_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace wsfo::process {

bool is_terminal(int fd) { return ::isatty(fd) == 1; }
bool stdout_is_terminal() { return is_terminal(STDOUT_FILENO); }

std::size_t terminal_columns(int fd) {
  winsize size{};
  return ::ioctl(fd, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
}

ProgressLine::ProgressLine(std::ostream& out, bool enabled, std::chrono::milliseconds every)
    : out_(out), enabled_(enabled), every_(every) {}

bool ProgressLine::due() const {
  return enabled_ && (shown_ == 0 || std::chrono::steady_clock::now() - last_ >= every_);
}

void ProgressLine::show(const std::string& text, bool force) {
  if (!enabled_ || (!force && !due())) return;
  out_ << '\r' << text;
  if (text.size() < shown_) out_ << std::string(shown_ - text.size(), ' ') << '\r' << text;
  out_.flush();
  shown_ = text.empty() ? 1 : text.size();  // an empty text still counts as shown: the line is taken
  last_ = std::chrono::steady_clock::now();
}

void ProgressLine::clear() {
  if (!enabled_ || shown_ == 0) return;
  out_ << '\r' << std::string(shown_, ' ') << '\r' << std::flush;
  shown_ = 0;
}

}  // namespace wsfo::process
