#pragma once
// Dotted-quad IPv4 addresses as host-order integers, so that VRRP's
// "higher primary address wins" tie-break is a plain numeric comparison.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsfo::vrrp {

// Strict: four decimal octets 0-255, no leading '+', no spaces, no leading
// zeros beyond a lone "0" (which some parsers would read as octal).
std::optional<std::uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(std::uint32_t address);

}  // namespace wsfo::vrrp
