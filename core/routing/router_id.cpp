#include "core/routing/router_id.hpp"

#include <limits>

namespace wsfo::routing {

std::string_view to_string(RouterIdSource source) {
  switch (source) {
    case RouterIdSource::header:
      return "header";
    case RouterIdSource::cookie:
      return "cookie";
    case RouterIdSource::query:
      return "query";
  }
  return "unknown";
}

std::optional<RouterIdSource> router_id_source_from_string(std::string_view text) {
  if (text == "header") return RouterIdSource::header;
  if (text == "cookie") return RouterIdSource::cookie;
  if (text == "query") return RouterIdSource::query;
  return std::nullopt;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string describe_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x21 && byte < 0x7f) return std::string("'") + c + "'";
  static const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[byte >> 4] + hex[byte & 0xf];
}

ParsedRouterId failure(std::string reason) { return ParsedRouterId{std::nullopt, std::move(reason)}; }

}  // namespace

ParsedRouterId parse_router_id(std::string_view text) {
  if (text.empty()) return failure("routerId is empty");
  if (text.front() == '+' || text.front() == '-')
    return failure("routerId has a sign '" + std::string(1, text.front()) + "'; expected decimal digits only");
  constexpr std::uint64_t max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t value = 0;
  bool overflow = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_space(c)) return failure("routerId contains whitespace at position " + std::to_string(i));
    if (c < '0' || c > '9')
      return failure("routerId contains " + describe_char(c) + " at position " + std::to_string(i) +
                     "; expected decimal digits only");
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (!overflow && value > (max - digit) / 10) overflow = true;
    if (!overflow) value = value * 10 + digit;
  }
  if (overflow) return failure("routerId exceeds the maximum 9223372036854775807 (2^63-1)");
  return ParsedRouterId{value, {}};
}

std::uint32_t slot_of(std::uint64_t router_id, std::uint32_t modulus) {
  return static_cast<std::uint32_t>(router_id % modulus);
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits `text` on `separator` and collects values of `name=value` pairs.
std::vector<std::string_view> pair_values(std::string_view text, char separator, std::string_view name,
                                          bool trim_pairs) {
  std::vector<std::string_view> values;
  while (!text.empty()) {
    auto end = text.find(separator);
    std::string_view pair = text.substr(0, end);
    if (trim_pairs) pair = trim(pair);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (trim_pairs) key = trim(key);
    if (key == name) values.push_back(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return values;
}

}  // namespace

std::vector<std::string_view> cookie_values(std::string_view cookie_header, std::string_view name) {
  return pair_values(cookie_header, ';', name, true);
}

std::vector<std::string_view> query_values(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  return pair_values(query, '&', name, false);
}

namespace {

std::vector<std::string_view> values_from(const RouterIdCarriers& carriers, RouterIdSource source) {
  switch (source) {
    case RouterIdSource::header:
      return carriers.header_values;
    case RouterIdSource::cookie: {
      std::vector<std::string_view> all;
      for (auto header : carriers.cookie_headers)
        for (auto v : cookie_values(header, "routerId")) all.push_back(v);
      return all;
    }
    case RouterIdSource::query:
      return query_values(carriers.target, "routerId");
  }
  return {};
}

}  // namespace

RouterIdLookup find_router_id(const RouterIdCarriers& carriers, std::span<const RouterIdSource> order) {
  for (RouterIdSource source : order) {
    auto values = values_from(carriers, source);
    if (values.empty()) continue;
    RouterIdLookup lookup;
    lookup.source = source;
    auto first = parse_router_id(values.front());
    if (!first.ok()) {
      lookup.status = RouterIdLookup::Status::malformed;
      lookup.reason = first.error + " (from " + std::string(to_string(source)) + ")";
      return lookup;
    }
    for (std::size_t i = 1; i < values.size(); ++i) {
      auto other = parse_router_id(values[i]);
      if (!other.ok() || *other.value != *first.value) {
        lookup.status = RouterIdLookup::Status::malformed;
        lookup.reason = "conflicting routerId values in " + std::string(to_string(source)) + ": '" +
                        std::string(values.front()) + "' and '" + std::string(values[i]) + "'";
        return lookup;
      }
    }
    lookup.status = RouterIdLookup::Status::found;
    lookup.router_id = *first.value;
    return lookup;
  }
  return RouterIdLookup{};
}

}  // namespace wsfo::routing
