#pragma once
// Sets of routerIds printed as ranges ("5998-6380, 16000"), as reports do.
#include <cstdint>
#include <string>
#include <vector>

namespace wsfo::checks {

struct IdRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  bool operator==(const IdRange&) const = default;
};

// Sorted, deduplicated, consecutive ids merged.
std::vector<IdRange> to_ranges(std::vector<std::uint64_t> ids);
// "1111, 5998-6380"; "none" when empty. At most `limit` ranges, then "… (N more)".
std::string format_ranges(const std::vector<IdRange>& ranges, std::size_t limit = 50);
std::string format_ids(std::vector<std::uint64_t> ids, std::size_t limit = 50);

}  // namespace wsfo::checks
