#include "clients/event_sink.hpp"

namespace wsfo::clients {

namespace {
constexpr std::size_t kFlushBytes = 64 * 1024;
}

void EventSink::append(const std::string& line) {
  std::lock_guard lock(mutex_);
  buffer_ += line;
  if (buffer_.size() >= kFlushBytes) write_out_locked();
}

void EventSink::say(const std::string& line) {
  if (!verbose_) return;
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), verbose_);
  std::fputc('\n', verbose_);
  std::fflush(verbose_);
}

void EventSink::flush() {
  std::lock_guard lock(mutex_);
  write_out_locked();
}

bool EventSink::healthy() const {
  std::lock_guard lock(mutex_);
  return !failed_;
}

void EventSink::write_out_locked() {
  if (!events_ || buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), events_) != buffer_.size() || std::fflush(events_) != 0)
    failed_ = true;
  buffer_.clear();
}

}  // namespace wsfo::clients
