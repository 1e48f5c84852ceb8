#include "reports/format.hpp"

#include <cstdio>

namespace wsfo::reports {

std::string seconds(std::int64_t ns, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*fs", decimals, static_cast<double>(ns) / 1e9);
  return buffer;
}

std::string millis(std::int64_t ns) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.0f ms", static_cast<double>(ns) / 1e6);
  return buffer;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace wsfo::reports
