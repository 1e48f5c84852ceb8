#pragma once
// routerId extraction and parsing (DESIGN.md §1). The gateway hands in the raw
// texts it found; this file owns the rules for what is a valid routerId.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wsfo::routing {

inline constexpr std::uint32_t kDefaultModulus = 10000;

enum class RouterIdSource { header, cookie, query };

std::string_view to_string(RouterIdSource source);
std::optional<RouterIdSource> router_id_source_from_string(std::string_view text);

inline constexpr RouterIdSource kDefaultSourceOrder[] = {RouterIdSource::header, RouterIdSource::cookie,
                                                         RouterIdSource::query};

// Result of parsing one routerId text: a value, or a one-line reason.
struct ParsedRouterId {
  std::optional<std::uint64_t> value;
  std::string error;  // set when !value

  bool ok() const { return value.has_value(); }
};

// Strict: decimal digits only, at most 2^63-1.
ParsedRouterId parse_router_id(std::string_view text);

std::uint32_t slot_of(std::uint64_t router_id, std::uint32_t modulus = kDefaultModulus);

// The parts of a handshake request that may carry a routerId, as raw text.
struct RouterIdCarriers {
  std::vector<std::string_view> header_values;   // every `routerId` header (case-insensitive name)
  std::vector<std::string_view> cookie_headers;  // every `Cookie` header
  std::string_view target;                       // request target: path?query
};

struct RouterIdLookup {
  enum class Status { found, missing, malformed };
  Status status = Status::missing;
  std::uint64_t router_id = 0;
  RouterIdSource source = RouterIdSource::header;
  std::string reason;  // for malformed: names the source and what is wrong
};

// Looks through the sources in order; the first source that carries a
// routerId decides (a malformed one is an error, not a fall-through).
RouterIdLookup find_router_id(const RouterIdCarriers& carriers, std::span<const RouterIdSource> order);

// Value of `name` in a Cookie header ("a=1; routerId=2"); every occurrence.
std::vector<std::string_view> cookie_values(std::string_view cookie_header, std::string_view name);
// Raw values of `name` in the query part of a request target (no %-decoding
// is needed for digits; a %-escape in a routerId value is reported as malformed).
std::vector<std::string_view> query_values(std::string_view target, std::string_view name);

}  // namespace wsfo::routing
