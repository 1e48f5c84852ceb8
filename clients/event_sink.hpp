#pragma once
// Where a fleet's events go: JSON lines through one buffer (a write per
// 64 KiB or per flush, not per event), and/or the seed-style verbose lines.
// Thread-safe: the workers of a multi-threaded fleet share one sink.
#include <cstdio>
#include <mutex>
#include <string>

#include "core/history/records.hpp"

namespace wsfo::clients {

class EventSink {
 public:
  // `events`: where JSON lines go (nullptr: nowhere). `verbose`: where the
  // seed-style lines go (nullptr: nowhere). Neither is closed by the sink.
  EventSink(std::FILE* events, std::FILE* verbose) : events_(events), verbose_(verbose) {}
  ~EventSink() { flush(); }
  EventSink(const EventSink&) = delete;
  EventSink& operator=(const EventSink&) = delete;

  bool wants_events() const { return events_ != nullptr; }
  bool wants_verbose() const { return verbose_ != nullptr; }

  // One record's line (core/history/records.hpp), spelled from its fields
  // without building a JSON object.
  template <class Record>
  void write(const history::Stamp& stamp, const Record& record) {
    if (!events_) return;
    std::string line;
    history::append_line(line, stamp, record);
    append(line);
  }
  void say(const std::string& line);  // one verbose line, written at once
  void flush();
  // False once a write to the events file failed (disk full, closed pipe).
  bool healthy() const;

 private:
  void append(const std::string& line);  // with its newline
  void write_out_locked();

  std::FILE* events_;
  std::FILE* verbose_;
  mutable std::mutex mutex_;
  std::string buffer_;
  bool failed_ = false;
};

}  // namespace wsfo::clients
