#include "core/clients/backend_messages.hpp"

namespace wsfo::clients {

std::optional<std::string_view> welcome_label(std::string_view text) {
  if (!text.starts_with(kWelcomePrefix)) return std::nullopt;
  auto label = text.substr(kWelcomePrefix.size());
  if (label.empty()) return std::nullopt;
  return label;
}

std::optional<Broadcast> parse_broadcast(std::string_view text) {
  Broadcast b;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (i >= 19) return std::nullopt;  // more digits than any sequence number
    b.seq = b.seq * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (i == 0 || i >= text.size() || text[i] != ':') return std::nullopt;
  auto rest = text.substr(i + 1);
  b.label = rest.substr(0, rest.find('|'));
  if (b.label.empty()) return std::nullopt;
  return b;
}

bool is_echo_of(std::string_view text, std::string_view sent) {
  return !sent.empty() && text.size() > sent.size() + 1 && text.starts_with(sent) && text[sent.size()] == ':';
}

}  // namespace wsfo::clients
