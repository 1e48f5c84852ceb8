#pragma once
// Live relayed connections indexed by slot (issue 3, item 4): one intrusive
// doubly linked list per slot, so a cutover visits only the slots it moves and
// the connections in them, never the whole population. No Asio here.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace wsfo::gateway {

class RegisteredConnection {
 public:
  RegisteredConnection() = default;
  RegisteredConnection(const RegisteredConnection&) = delete;
  RegisteredConnection& operator=(const RegisteredConnection&) = delete;
  virtual ~RegisteredConnection() = default;

  // Close both sides with a close frame at a frame boundary.
  virtual void close_with(std::uint16_t code, std::string_view reason) = 0;
  // Drop both TCP connections at once, as a dying process would.
  virtual void drop() = 0;
  // The address the client dialed left this live node (docs/vrrp.md,
  // "Releasing a VIP"): nothing reaches the client any more, and whatever it
  // sends next is answered with a reset, as by the address's new holder.
  virtual void orphan() {}
  // Its host was powered off (docs/vrrp.md, "Power-off"): an orphan whose
  // reset waits for another host to take the address over; what the client
  // sends until then goes nowhere. A connection to the dead host's own
  // address stays held for good.
  virtual void hold_as_orphan() {}
  // Another host took the VIP over: a client that already sent is reset now,
  // one that did not is reset when it next sends (a plain orphan).
  virtual void release_held_orphan() {}
  // The client's socket while it is open, -1 after: how a VIP release finds
  // the connections accepted on its address.
  virtual int client_descriptor() const { return -1; }

  std::optional<std::uint32_t> slot() const { return slot_; }

 private:
  friend class ConnectionRegistry;
  RegisteredConnection* previous_ = nullptr;
  RegisteredConnection* next_ = nullptr;
  std::optional<std::uint32_t> slot_;
  bool registered_ = false;
};

class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(std::uint32_t modulus);

  // `slot` is empty for a connection without routerId; cutovers never touch it.
  void add(RegisteredConnection& connection, std::optional<std::uint32_t> slot);
  void remove(RegisteredConnection& connection);  // no-op when not registered

  std::size_t size() const { return size_; }
  // O(last - first + 1).
  std::size_t count_in(std::uint32_t first, std::uint32_t last) const;
  // The connections of slots [first, last]; O(slots + connections found).
  std::vector<RegisteredConnection*> connections_in(std::uint32_t first, std::uint32_t last) const;
  std::vector<RegisteredConnection*> all() const;

 private:
  std::size_t list_index(std::optional<std::uint32_t> slot) const { return slot ? *slot : heads_.size() - 1; }

  std::vector<RegisteredConnection*> heads_;  // one per slot, then one for "no slot"
  std::vector<std::uint32_t> counts_;
  std::size_t size_ = 0;
};

}  // namespace wsfo::gateway
