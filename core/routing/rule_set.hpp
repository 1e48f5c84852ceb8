#pragma once
// Traffic rules (流量规则): slot ranges → unit, with a version (DESIGN.md §1).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/routing/router_id.hpp"

namespace wsfo::routing {

struct SlotRange {
  std::int64_t first = 0;  // signed so that out-of-range input can be reported, not wrapped
  std::int64_t last = 0;
  std::string unit;

  bool operator==(const SlotRange&) const = default;
};

// "[5998, 6380] -> center"
std::string describe(const SlotRange& range);

// A validation problem, with the index of every range it concerns so callers
// can point at them (e.g. a JSON pointer into a scenario file).
struct RuleError {
  std::vector<std::size_t> ranges;
  std::string message;
};

class RuleSet {
 public:
  struct Built;
  // Validates coverage (every slot exactly once), bounds and unit names. An
  // empty `known_units` accepts any unit name.
  static Built build(std::uint64_t version, std::vector<SlotRange> ranges, const std::vector<std::string>& known_units,
                     std::uint32_t modulus = kDefaultModulus);

  std::uint64_t version() const { return version_; }
  std::uint32_t modulus() const { return modulus_; }
  // Ranges sorted by first slot.
  const std::vector<SlotRange>& ranges() const { return ranges_; }
  const std::vector<std::string>& units() const { return units_; }

  // O(1): one table lookup.
  const std::string& unit_of_slot(std::uint32_t slot) const { return units_[slot_unit_[slot]]; }
  const std::string& unit_of(std::uint64_t router_id) const { return unit_of_slot(slot_of(router_id, modulus_)); }

  // One line per range, "[0, 5997] -> center", sorted; the text MSHA compares.
  std::string text() const;

  RuleSet with_version(std::uint64_t version) const;

 private:
  std::uint64_t version_ = 0;
  std::uint32_t modulus_ = kDefaultModulus;
  std::vector<SlotRange> ranges_;
  std::vector<std::string> units_;
  std::vector<std::uint16_t> slot_unit_;
};

struct RuleSet::Built {
  std::optional<RuleSet> rules;
  std::vector<RuleError> errors;  // non-empty exactly when !rules
};

}  // namespace wsfo::routing
