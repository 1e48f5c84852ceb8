#pragma once
// What a cutover moves: slot ranges whose unit changes between two rule sets.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/routing/rule_set.hpp"

namespace wsfo::routing {

struct MovedRange {
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  std::string from_unit;
  std::string to_unit;

  bool contains(std::uint32_t slot) const { return slot >= first && slot <= last; }
  bool operator==(const MovedRange&) const = default;
};

// "unbj → center [5998, 6380]"
std::string describe(const MovedRange& moved);

class RuleDiff {
 public:
  // Both rule sets must share a modulus (checked: throws std::invalid_argument).
  RuleDiff(const RuleSet& before, const RuleSet& after);

  const std::vector<MovedRange>& moved() const { return moved_; }
  bool empty() const { return moved_.empty(); }
  std::uint64_t from_version() const { return from_version_; }
  std::uint64_t to_version() const { return to_version_; }
  std::uint32_t modulus() const { return modulus_; }
  std::uint64_t moved_slot_count() const;

  // Index into moved() of the range holding `slot`, or -1. O(log n).
  int moved_index_of_slot(std::uint32_t slot) const;

  // Per moved range, how many of `router_ids` fall in it.
  std::vector<std::uint64_t> count_affected(std::span<const std::uint64_t> router_ids) const;

  // MSHA-style before/after: rule text lines prefixed "- ", "+ " or "  ".
  const std::string& text_diff() const { return text_diff_; }

 private:
  std::vector<MovedRange> moved_;
  std::uint64_t from_version_;
  std::uint64_t to_version_;
  std::uint32_t modulus_;
  std::string text_diff_;
};

}  // namespace wsfo::routing
