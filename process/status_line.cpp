#include "process/status_line.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <streambuf>
#include <utility>

namespace wsfo::process {

// Collects what is written to log() and hands whole lines to the status line.
class StatusLine::LogBuffer : public std::streambuf {
 public:
  explicit LogBuffer(StatusLine& owner) : owner_(owner) {}

  // What has no newline yet.
  std::string take_rest() {
    std::lock_guard lock(pending_mutex_);
    return std::exchange(pending_, {});
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    xsputn(&ch, 1);
    return c;
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::string whole;
    {
      std::lock_guard lock(pending_mutex_);
      pending_.append(s, static_cast<std::size_t>(n));
      const auto last = pending_.rfind('\n');
      if (last == std::string::npos) return n;
      whole = pending_.substr(0, last + 1);
      pending_.erase(0, last + 1);
    }
    owner_.write_lines(whole);
    return n;
  }

 private:
  StatusLine& owner_;
  std::mutex pending_mutex_;  // log() may be written from more than one thread
  std::string pending_;
};

StatusLine::StatusLine(std::ostream& out, bool enabled, std::string command, std::chrono::milliseconds every,
                       int width_fd)
    : out_(out),
      enabled_(enabled),
      command_(std::move(command)),
      every_(every),
      width_fd_(width_fd),
      line_(out, enabled, every) {
  if (!enabled_) return;
  buffer_ = std::make_unique<LogBuffer>(*this);
  log_ = std::make_unique<std::ostream>(buffer_.get());
  refresher_ = std::thread([this] { refresh_loop(); });
}

StatusLine::~StatusLine() { finish(); }

StatusLine::StatusLine(std::string command)
    : StatusLine(std::cout, stdout_is_terminal(), std::move(command), std::chrono::milliseconds(250), STDOUT_FILENO) {}

void StatusLine::doing(std::string what) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  doing_ = std::move(what);
  line_.show(text_locked(), true);
}

StatusLine::Counting StatusLine::counting(std::function<std::string()> count) {
  if (!enabled_) return Counting();
  std::lock_guard lock(mutex_);
  count_ = std::move(count);
  line_.show(text_locked(), true);  // at once: a count that is over within a refresh is seen too
  return Counting(this);
}

StatusLine::Counting::~Counting() {
  if (!line_) return;
  std::lock_guard lock(line_->mutex_);
  line_->count_ = nullptr;  // after this, the refresher no longer calls it
}

void StatusLine::finish() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  refresher_.join();
  std::string rest = buffer_->take_rest();
  std::lock_guard lock(mutex_);
  line_.clear();
  out_ << rest << std::flush;
}

std::string StatusLine::text_locked() const {
  const auto seconds = static_cast<long long>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began_).count());
  char elapsed[48];
  if (seconds < 60)
    std::snprintf(elapsed, sizeof elapsed, "%lld s", seconds);
  else
    std::snprintf(elapsed, sizeof elapsed, "%lld min %02lld s", seconds / 60, seconds % 60);
  std::string text = command_ + ": " + (doing_.empty() ? "starting" : doing_);
  if (count_) {
    std::string count = count_();
    if (!count.empty()) text += ", " + count;
  }
  const std::string tail = std::string(", ") + elapsed;
  // One column short of the width: a line that fills it wraps on some terminals.
  const std::size_t columns = width_fd_ >= 0 ? terminal_columns(width_fd_) : 0;
  if (columns > tail.size() + 4 && text.size() + tail.size() > columns - 1)
    text = text.substr(0, columns - 4 - tail.size()) + "...";
  return text + tail;
}

void StatusLine::write_lines(const std::string& lines) {
  std::lock_guard lock(mutex_);
  line_.clear();
  out_ << lines << std::flush;
  if (!stopping_) line_.show(text_locked(), true);
}

void StatusLine::refresh_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    line_.show(text_locked(), true);
    wake_.wait_for(lock, every_, [this] { return stopping_; });
  }
}

}  // namespace wsfo::process
