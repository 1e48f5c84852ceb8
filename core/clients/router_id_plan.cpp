#include "core/clients/router_id_plan.hpp"

#include <algorithm>
#include <unordered_set>

#include "core/routing/router_id.hpp"
#include "core/util/random.hpp"

namespace wsfo::clients {

std::optional<std::vector<std::uint64_t>> parse_router_id_list(const std::string& text, std::string& error) {
  std::vector<std::uint64_t> ids;
  std::size_t start = 0;
  while (true) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto parsed = routing::parse_router_id(item);
    if (!parsed.ok()) {
      error = "routerId list item " + std::to_string(ids.size() + 1) + " ('" + item + "'): " + parsed.error;
      return std::nullopt;
    }
    ids.push_back(*parsed.value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ids;
}

std::optional<std::vector<std::uint64_t>> parse_router_id_lines(std::string_view text, std::string& error) {
  auto trim = [](std::string_view s) {
    auto begin = s.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) return std::string_view();
    return s.substr(begin, s.find_last_not_of(" \t\r") + 1 - begin);
  };
  std::vector<std::uint64_t> ids;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start <= text.size(); ++line_number) {
    auto end = std::min(text.find('\n', start), text.size());
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    std::size_t item = 1;
    for (std::size_t from = 0;; ++item) {
      auto comma = std::min(line.find(',', from), line.size());
      std::string_view word = trim(line.substr(from, comma - from));
      auto parsed = routing::parse_router_id(word);
      if (!parsed.ok()) {
        error = "line " + std::to_string(line_number + 1) + ", item " + std::to_string(item) + " ('" +
                std::string(word) + "'): " + parsed.error;
        return std::nullopt;
      }
      ids.push_back(*parsed.value);
      if (comma == line.size()) break;
      from = comma + 1;
    }
  }
  if (ids.empty()) {
    error = "holds no routerIds";
    return std::nullopt;
  }
  return ids;
}

std::optional<RouterIdSpan> parse_router_id_span(const std::string& text, std::string& error) {
  auto dash = text.find('-');
  if (dash == std::string::npos) {
    error = "routerId range '" + text + "': expected from-to, e.g. 0-9999";
    return std::nullopt;
  }
  auto from = routing::parse_router_id(text.substr(0, dash));
  auto to = routing::parse_router_id(text.substr(dash + 1));
  if (!from.ok() || !to.ok()) {
    error = "routerId range '" + text + "': " + (from.ok() ? to.error : from.error);
    return std::nullopt;
  }
  if (*from.value > *to.value) {
    error = "routerId range '" + text + "': from is greater than to";
    return std::nullopt;
  }
  return RouterIdSpan{*from.value, *to.value};
}

std::vector<std::uint64_t> expand_span(const RouterIdSpan& span, std::uint64_t limit) {
  std::vector<std::uint64_t> ids;
  std::uint64_t n = std::min(span.size(), limit);
  ids.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) ids.push_back(span.from + i);
  return ids;
}

std::optional<std::vector<std::uint64_t>> draw_distinct(std::uint64_t count, std::uint64_t seed, RouterIdSpan span,
                                                        std::string& error) {
  if (count > span.size()) {
    error = "cannot draw " + std::to_string(count) + " distinct routerIds from " + std::to_string(span.from) + "-" +
            std::to_string(span.to) + " (" + std::to_string(span.size()) + " values)";
    return std::nullopt;
  }
  util::SplitMix64 rng(seed);
  std::vector<std::uint64_t> ids;
  ids.reserve(count);
  if (count * 2 > span.size()) {
    // Dense: a partial Fisher-Yates shuffle of the whole span.
    auto all = expand_span(span, span.size());
    for (std::uint64_t i = 0; i < count; ++i) {
      auto j = i + rng.uniform_inclusive(all.size() - 1 - i);
      std::swap(all[i], all[j]);
      ids.push_back(all[i]);
    }
    return ids;
  }
  // Sparse: rejection of repeats terminates quickly (at most half are taken).
  std::unordered_set<std::uint64_t> taken;
  while (ids.size() < count) {
    auto id = span.from + rng.uniform_inclusive(span.to - span.from);
    if (taken.insert(id).second) ids.push_back(id);
  }
  return ids;
}

}  // namespace wsfo::clients
