#pragma once
// The relay's data buffers. An idle connection holds none: each direction
// reads into one buffer shared by every connection of the thread and writes
// at once. Only when the sink cannot take everything (back-pressure) do the
// unwritten bytes move to a spill buffer of the connection's own, taken from
// a per-thread free list and given back when drained, so a connection under
// back-pressure does not allocate per message either.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace wsfo::gateway {

// The buffer every connection of this thread reads into; bytes stay in it
// only while the handler that read them runs.
inline std::uint8_t* shared_read_buffer(std::size_t capacity) {
  thread_local std::vector<std::uint8_t> buffer;
  if (buffer.size() < capacity) buffer.resize(capacity);
  return buffer.data();
}

class SpillPool {
 public:
  std::unique_ptr<std::uint8_t[]> take(std::size_t capacity) {
    if (capacity != capacity_) free_.clear(), capacity_ = capacity;
    if (free_.empty()) return std::unique_ptr<std::uint8_t[]>(new std::uint8_t[capacity]);
    auto buffer = std::move(free_.back());
    free_.pop_back();
    return buffer;
  }
  void give_back(std::unique_ptr<std::uint8_t[]> buffer, std::size_t capacity) {
    if (capacity == capacity_ && free_.size() < kKept) free_.push_back(std::move(buffer));
  }
  static SpillPool& of_this_thread() {
    thread_local SpillPool pool;
    return pool;
  }

 private:
  static constexpr std::size_t kKept = 256;
  std::vector<std::unique_ptr<std::uint8_t[]>> free_;
  std::size_t capacity_ = 0;
};

}  // namespace wsfo::gateway
