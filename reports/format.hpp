#pragma once
// Small formatting helpers shared by the report writers.
#include <cstdint>
#include <string>
#include <string_view>

namespace wsfo::reports {

std::string seconds(std::int64_t ns, int decimals = 3);  // "1.523s"
std::string millis(std::int64_t ns);                     // "1523 ms"
std::string xml_escape(std::string_view text);           // also fine for HTML text and attributes

}  // namespace wsfo::reports
