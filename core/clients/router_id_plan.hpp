#pragma once
// Which routerIds a fleet's clients carry: a list, a range, or distinct
// random draws reproducible from a seed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsfo::clients {

// "1111,6249,8330": each a valid routerId (routing::parse_router_id).
std::optional<std::vector<std::uint64_t>> parse_router_id_list(const std::string& text, std::string& error);

// The text of a routerId file: one routerId per line, or comma-separated on
// a line, blanks around items and empty lines ignored. Errors name the line,
// e.g. "line 3, item 2 ('12x'): routerId contains 'x' ...".
std::optional<std::vector<std::uint64_t>> parse_router_id_lines(std::string_view text, std::string& error);

struct RouterIdSpan {
  std::uint64_t from = 0;
  std::uint64_t to = 0;                                 // inclusive
  std::uint64_t size() const { return to - from + 1; }  // 0 only for the full 2^64 span, which is never valid
};

// "0-9999"; from <= to.
std::optional<RouterIdSpan> parse_router_id_span(const std::string& text, std::string& error);

// Every routerId of the span, or the first `limit` of them.
std::vector<std::uint64_t> expand_span(const RouterIdSpan& span, std::uint64_t limit);

// `count` distinct routerIds drawn uniformly from `span`, the same for the
// same seed. nullopt with `error` when the span holds fewer than `count`.
std::optional<std::vector<std::uint64_t>> draw_distinct(std::uint64_t count, std::uint64_t seed, RouterIdSpan span,
                                                        std::string& error);

}  // namespace wsfo::clients
