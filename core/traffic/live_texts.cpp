#include "core/traffic/live_texts.hpp"

#include <algorithm>

namespace wsfo::traffic {

std::size_t welcome_size(const std::string& label) {
  return std::string("Welcome to the server!").size() + label.size();
}

std::size_t announcement_size(const std::string& label, const std::string& path) {
  return label.size() + std::string(" new connection: ").size() + path.size();
}

std::size_t broadcast_size(std::uint64_t seq, const std::string& label, std::size_t message_size) {
  const std::size_t text = std::to_string(seq).size() + 1 + label.size();
  return std::max(text, message_size);
}

std::size_t echo_size(const std::string& label) { return kFirstMessageSize + 1 + label.size(); }

std::size_t frame_header_size(std::size_t size, bool from_client) {
  const std::size_t length = size < 126 ? 2 : size < 65536 ? 4 : 10;
  return length + (from_client ? 4 : 0);
}

}  // namespace wsfo::traffic
