#include "core/routing/rule_diff.hpp"

#include <algorithm>
#include <stdexcept>

namespace wsfo::routing {

std::string describe(const MovedRange& moved) {
  return moved.from_unit + " \u2192 " + moved.to_unit + " [" + std::to_string(moved.first) + ", " +
         std::to_string(moved.last) + "]";
}

namespace {

std::vector<MovedRange> moved_ranges(const RuleSet& before, const RuleSet& after) {
  std::vector<MovedRange> moved;
  for (std::uint32_t slot = 0; slot < before.modulus(); ++slot) {
    const std::string& from = before.unit_of_slot(slot);
    const std::string& to = after.unit_of_slot(slot);
    if (from == to) continue;
    if (!moved.empty() && moved.back().last + 1 == slot && moved.back().from_unit == from && moved.back().to_unit == to)
      moved.back().last = slot;
    else
      moved.push_back({slot, slot, from, to});
  }
  return moved;
}

// Line diff of the two rule texts (both sorted by slot), longest common subsequence.
std::string line_diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;)
    for (std::size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}

std::vector<std::string> lines_of(const RuleSet& rules) {
  std::vector<std::string> lines;
  for (const SlotRange& r : rules.ranges()) lines.push_back(describe(r));
  return lines;
}

}  // namespace

RuleDiff::RuleDiff(const RuleSet& before, const RuleSet& after)
    : from_version_(before.version()), to_version_(after.version()), modulus_(before.modulus()) {
  if (before.modulus() != after.modulus())
    throw std::invalid_argument("cannot diff rules with different moduli (" + std::to_string(before.modulus()) +
                                " and " + std::to_string(after.modulus()) + ")");
  moved_ = moved_ranges(before, after);
  text_diff_ = line_diff(lines_of(before), lines_of(after));
}

std::uint64_t RuleDiff::moved_slot_count() const {
  std::uint64_t n = 0;
  for (const auto& m : moved_) n += m.last - m.first + 1;
  return n;
}

int RuleDiff::moved_index_of_slot(std::uint32_t slot) const {
  auto it = std::upper_bound(moved_.begin(), moved_.end(), slot,
                             [](std::uint32_t s, const MovedRange& m) { return s < m.first; });
  if (it == moved_.begin()) return -1;
  --it;
  return it->contains(slot) ? static_cast<int>(it - moved_.begin()) : -1;
}

std::vector<std::uint64_t> RuleDiff::count_affected(std::span<const std::uint64_t> router_ids) const {
  std::vector<std::uint64_t> counts(moved_.size(), 0);
  for (std::uint64_t id : router_ids) {
    int index = moved_index_of_slot(slot_of(id, modulus_));
    if (index >= 0) ++counts[static_cast<std::size_t>(index)];
  }
  return counts;
}

}  // namespace wsfo::routing
