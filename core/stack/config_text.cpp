#include "core/stack/config_text.hpp"

#include <cstdio>
#include <string_view>

namespace wsfo::stack {

bool check_config_word(const std::string& value, const std::string& what, std::string& error) {
  if (value.empty()) {
    error = what + " is empty";
    return false;
  }
  constexpr std::string_view kSyntax = "\"'\\;{}$#!";
  for (unsigned char c : value) {
    if (c > ' ' && c != 0x7f && kSyntax.find(static_cast<char>(c)) == std::string_view::npos) continue;
    char shown[16];
    if (c > ' ' && c != 0x7f)
      std::snprintf(shown, sizeof shown, "'%c'", c);
    else
      std::snprintf(shown, sizeof shown, "0x%02x", c);
    error = what + " \"" + value + "\" contains " + shown + ", which the nginx/keepalived config would read as syntax";
    return false;
  }
  return true;
}

}  // namespace wsfo::stack
