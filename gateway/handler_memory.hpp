#pragma once
// A fixed arena for one asynchronous operation at a time, handed to Asio
// through the associated-allocator hook, so the relay's steady-state loop
// does not allocate on the heap per message. A second concurrent request
// (rare: a timer re-armed before its cancelled wait ran) or a larger one
// falls back to the heap.
#include <cstddef>
#include <new>
#include <utility>

namespace wsfo::gateway {

// Measured with Boost 1.74 on x86-64: a readiness or timer wait asks for 112-136 bytes.
constexpr std::size_t kHandlerArenaBytes = 320;

class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;

  void* allocate(std::size_t size) {
    if (!in_use_ && size <= sizeof(storage_)) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(size);
  }
  void deallocate(void* pointer) {
    if (pointer == storage_)
      in_use_ = false;
    else
      ::operator delete(pointer);
  }

 private:
  // Every idle connection holds these bytes: as small as the relay's operations allow.
  alignas(std::max_align_t) unsigned char storage_[kHandlerArenaBytes];
  bool in_use_ = false;
};

template <class T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory& memory) : memory_(&memory) {}
  template <class U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}
  T* allocate(std::size_t n) const { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* pointer, std::size_t) const { memory_->deallocate(pointer); }
  template <class U>
  bool operator==(const HandlerAllocator<U>& other) const noexcept {
    return memory_ == other.memory_;
  }

 private:
  template <class U>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

template <class Handler>
class WithMemory {
 public:
  using allocator_type = HandlerAllocator<Handler>;
  WithMemory(HandlerMemory& memory, Handler handler) : memory_(&memory), handler_(std::move(handler)) {}
  allocator_type get_allocator() const noexcept { return allocator_type(*memory_); }
  template <class... Args>
  void operator()(Args&&... args) {
    handler_(std::forward<Args>(args)...);
  }

 private:
  HandlerMemory* memory_;
  Handler handler_;
};

template <class Handler>
WithMemory<Handler> with_memory(HandlerMemory& memory, Handler handler) {
  return WithMemory<Handler>(memory, std::move(handler));
}

}  // namespace wsfo::gateway
