#include "gateway/connection_registry.hpp"

#include <algorithm>

namespace wsfo::gateway {

ConnectionRegistry::ConnectionRegistry(std::uint32_t modulus) : heads_(modulus + 1, nullptr), counts_(modulus + 1) {}

void ConnectionRegistry::add(RegisteredConnection& connection, std::optional<std::uint32_t> slot) {
  remove(connection);
  if (slot && *slot >= heads_.size() - 1) slot.reset();  // cannot happen with a slot from the same modulus
  std::size_t index = list_index(slot);
  connection.slot_ = slot;
  connection.previous_ = nullptr;
  connection.next_ = heads_[index];
  if (heads_[index]) heads_[index]->previous_ = &connection;
  heads_[index] = &connection;
  connection.registered_ = true;
  ++counts_[index];
  ++size_;
}

void ConnectionRegistry::remove(RegisteredConnection& connection) {
  if (!connection.registered_) return;
  std::size_t index = list_index(connection.slot_);
  if (connection.previous_)
    connection.previous_->next_ = connection.next_;
  else
    heads_[index] = connection.next_;
  if (connection.next_) connection.next_->previous_ = connection.previous_;
  connection.previous_ = connection.next_ = nullptr;
  connection.registered_ = false;
  --counts_[index];
  --size_;
}

std::size_t ConnectionRegistry::count_in(std::uint32_t first, std::uint32_t last) const {
  std::size_t total = 0;
  last = std::min<std::uint32_t>(last, static_cast<std::uint32_t>(heads_.size() - 2));
  for (std::uint32_t slot = first; slot <= last; ++slot) total += counts_[slot];
  return total;
}

std::vector<RegisteredConnection*> ConnectionRegistry::connections_in(std::uint32_t first, std::uint32_t last) const {
  std::vector<RegisteredConnection*> found;
  found.reserve(count_in(first, last));
  last = std::min<std::uint32_t>(last, static_cast<std::uint32_t>(heads_.size() - 2));
  for (std::uint32_t slot = first; slot <= last; ++slot)
    for (RegisteredConnection* c = heads_[slot]; c; c = c->next_) found.push_back(c);
  return found;
}

std::vector<RegisteredConnection*> ConnectionRegistry::all() const {
  std::vector<RegisteredConnection*> found;
  found.reserve(size_);
  for (RegisteredConnection* head : heads_)
    for (RegisteredConnection* c = head; c; c = c->next_) found.push_back(c);
  return found;
}

}  // namespace wsfo::gateway
