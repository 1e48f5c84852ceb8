#pragma once
// Internal to core/checks: an event's fields as the checks read them, where
// a missing or mistyped field reads as empty or 0 (a history from an older
// or foreign writer is judged, not rejected).
#include <cstdint>
#include <string>

#include "core/history/event.hpp"

namespace wsfo::checks {

inline std::string field_string(const history::Event& event, const char* name) {
  auto it = event.fields.find(name);
  return it != event.fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::uint64_t field_unsigned(const history::Event& event, const char* name) {
  auto it = event.fields.find(name);
  if (it == event.fields.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) return 0;
  return it->get<std::uint64_t>();
}

}  // namespace wsfo::checks
