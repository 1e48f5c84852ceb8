// routerId parsing: core/routing/router_id (the value, and finding it in a
// handshake's headers, cookies and query) and core/clients/router_id_plan
// (the lists, files and spans a user gives the fleet). The first byte picks
// the parser. A value is accepted exactly when it is 1-19 decimal digits not
// above 2^63-1, and every rejection says why.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clients/router_id_plan.hpp"
#include "core/routing/router_id.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace wsfo;

namespace {

constexpr std::uint64_t kMax = 9223372036854775807ull;

std::optional<std::uint64_t> reference(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > kMax) return std::nullopt;
  return value;
}

// A value is a view into what it was found in (an empty one, for a name
// without '=', may point anywhere).
bool inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_value(std::string_view text) {
  const routing::ParsedRouterId parsed = routing::parse_router_id(text);
  WSFO_FUZZ_CHECK(parsed.value == reference(text));
  WSFO_FUZZ_CHECK(parsed.ok() == parsed.error.empty());
  if (parsed.ok()) WSFO_FUZZ_CHECK(routing::slot_of(*parsed.value) < routing::kDefaultModulus);
}

// Header values, cookie headers and the target, separated by '\n'.
void check_lookup(std::string_view text, std::uint8_t order_choice) {
  routing::RouterIdCarriers carriers;
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t end = text.find('\n', start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  carriers.target = parts.back();
  parts.pop_back();
  for (std::size_t i = 0; i < parts.size(); ++i)
    (i % 2 ? carriers.cookie_headers : carriers.header_values).push_back(parts[i]);
  for (auto cookie : carriers.cookie_headers)
    for (auto value : routing::cookie_values(cookie, "routerId")) WSFO_FUZZ_CHECK(inside(value, cookie));
  for (auto value : routing::query_values(carriers.target, "routerId")) WSFO_FUZZ_CHECK(inside(value, carriers.target));
  using S = routing::RouterIdSource;
  const std::vector<std::vector<S>> orders = {
      {S::header, S::cookie, S::query}, {S::query, S::header}, {S::cookie}, {S::query, S::cookie, S::header}};
  const auto& order = orders[order_choice % orders.size()];
  const routing::RouterIdLookup lookup = routing::find_router_id(carriers, order);
  switch (lookup.status) {
    case routing::RouterIdLookup::Status::found:
      WSFO_FUZZ_CHECK(lookup.router_id <= kMax);
      break;
    case routing::RouterIdLookup::Status::malformed:
      WSFO_FUZZ_CHECK(!lookup.reason.empty());
      break;
    case routing::RouterIdLookup::Status::missing:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(fuzz::as_text(data + 1, size - 1));
  std::string error;
  switch (data[0] % 5) {
    case 0:
      check_value(text);
      break;
    case 1:
      check_lookup(text, data[0] / 5);
      break;
    case 2: {
      auto list = clients::parse_router_id_list(text, error);
      WSFO_FUZZ_CHECK(list.has_value() == error.empty());
      if (list)
        for (auto id : *list) WSFO_FUZZ_CHECK(id <= kMax);
      break;
    }
    case 3: {
      auto lines = clients::parse_router_id_lines(text, error);
      WSFO_FUZZ_CHECK(lines.has_value() == error.empty());
      if (lines)
        for (auto id : *lines) WSFO_FUZZ_CHECK(id <= kMax);
      break;
    }
    case 4: {
      auto span = clients::parse_router_id_span(text, error);
      WSFO_FUZZ_CHECK(span.has_value() == error.empty());
      if (span) {
        WSFO_FUZZ_CHECK(span->from <= span->to && span->to <= kMax);
        const auto first = clients::expand_span(*span, 16);
        WSFO_FUZZ_CHECK(first.size() == std::min<std::uint64_t>(16, span->size()));
        std::string draw_error;
        auto drawn = clients::draw_distinct(std::min<std::uint64_t>(8, span->size()), 1, *span, draw_error);
        WSFO_FUZZ_CHECK(drawn.has_value());
        for (auto id : *drawn) WSFO_FUZZ_CHECK(id >= span->from && id <= span->to);
      }
      break;
    }
  }
  return 0;
}
