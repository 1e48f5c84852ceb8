#include "core/checks/id_ranges.hpp"

#include <algorithm>

namespace wsfo::checks {

std::vector<IdRange> to_ranges(std::vector<std::uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<IdRange> ranges;
  for (std::uint64_t id : ids) {
    if (!ranges.empty() && ranges.back().last + 1 == id)
      ranges.back().last = id;
    else
      ranges.push_back({id, id});
  }
  return ranges;
}

std::string format_ranges(const std::vector<IdRange>& ranges, std::size_t limit) {
  if (ranges.empty()) return "none";
  std::string out;
  for (std::size_t i = 0; i < ranges.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += std::to_string(ranges[i].first);
    if (ranges[i].last != ranges[i].first) out += "-" + std::to_string(ranges[i].last);
  }
  if (ranges.size() > limit) out += ", \u2026 (" + std::to_string(ranges.size() - limit) + " more ranges)";
  return out;
}

std::string format_ids(std::vector<std::uint64_t> ids, std::size_t limit) {
  return format_ranges(to_ranges(std::move(ids)), limit);
}

}  // namespace wsfo::checks
