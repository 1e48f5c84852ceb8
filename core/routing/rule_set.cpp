#include "core/routing/rule_set.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace wsfo::routing {

std::string describe(const SlotRange& range) {
  return "[" + std::to_string(range.first) + ", " + std::to_string(range.last) + "] -> " + range.unit;
}

namespace {

std::string uncovered(std::int64_t first, std::int64_t last) {
  return first == last
             ? "slot " + std::to_string(first) + " is not covered by any range"
             : "slots " + std::to_string(first) + "-" + std::to_string(last) + " are not covered by any range";
}

std::string span_text(std::int64_t first, std::int64_t last) {
  return first == last ? "slot " + std::to_string(first)
                       : "slots " + std::to_string(first) + "-" + std::to_string(last);
}

// Bounds, order and unit names of each range on its own.
void check_each_range(const std::vector<SlotRange>& ranges, const std::vector<std::string>& known_units,
                      std::uint32_t modulus, std::vector<RuleError>& errors) {
  const std::int64_t top = static_cast<std::int64_t>(modulus) - 1;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const SlotRange& r = ranges[i];
    if (r.first > r.last) errors.push_back({{i}, "range " + describe(r) + " is empty: first is greater than last"});
    if (r.first < 0 || r.last < 0 || r.first > top || r.last > top)
      errors.push_back({{i}, "range " + describe(r) + " is out of bounds: slots are 0-" + std::to_string(top)});
    if (r.unit.empty())
      errors.push_back({{i}, "range " + describe(r) + " has no unit"});
    else if (!known_units.empty() && std::find(known_units.begin(), known_units.end(), r.unit) == known_units.end())
      errors.push_back({{i}, "range " + describe(r) + " names unknown unit '" + r.unit + "'"});
  }
}

// Overlaps and gaps. Out-of-bounds ranges count for the slots they do cover,
// so one bad bound is not also reported as a gap; reversed ranges cover nothing.
void check_coverage(const std::vector<SlotRange>& ranges, std::uint32_t modulus, std::vector<RuleError>& errors) {
  const std::int64_t top = static_cast<std::int64_t>(modulus) - 1;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < ranges.size(); ++i)
    if (ranges[i].first <= ranges[i].last && ranges[i].last >= 0 && ranges[i].first <= top) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) {
    return std::tie(ranges[a].first, ranges[a].last) < std::tie(ranges[b].first, ranges[b].last);
  });
  std::int64_t covered_to = -1;  // highest slot covered so far
  std::size_t covering = 0;      // range that reaches covered_to
  for (std::size_t i : order) {
    SlotRange r = ranges[i];
    r.first = std::max<std::int64_t>(r.first, 0);
    r.last = std::min(r.last, top);
    if (r.first > covered_to + 1) errors.push_back({{}, uncovered(covered_to + 1, r.first - 1)});
    if (r.first <= covered_to)
      errors.push_back({{covering, i},
                        "ranges " + describe(ranges[covering]) + " and " + describe(ranges[i]) + " overlap on " +
                            span_text(r.first, std::min(covered_to, r.last))});
    if (r.last > covered_to) {
      covered_to = r.last;
      covering = i;
    }
  }
  if (covered_to < top) errors.push_back({{}, uncovered(covered_to + 1, top)});
}

}  // namespace

RuleSet::Built RuleSet::build(std::uint64_t version, std::vector<SlotRange> ranges,
                              const std::vector<std::string>& known_units, std::uint32_t modulus) {
  Built built;
  if (modulus == 0 || modulus > 1'000'000) {
    built.errors.push_back({{}, "modulus " + std::to_string(modulus) + " is out of bounds: expected 1-1000000"});
    return built;
  }
  if (ranges.empty()) {
    built.errors.push_back({{}, "no ranges: every slot 0-" + std::to_string(modulus - 1) + " needs a unit"});
    return built;
  }
  check_each_range(ranges, known_units, modulus, built.errors);
  check_coverage(ranges, modulus, built.errors);
  if (!built.errors.empty()) return built;

  RuleSet rules;
  rules.version_ = version;
  rules.modulus_ = modulus;
  std::sort(ranges.begin(), ranges.end(), [](const SlotRange& a, const SlotRange& b) { return a.first < b.first; });
  rules.ranges_ = std::move(ranges);
  rules.units_ = known_units;
  for (const SlotRange& r : rules.ranges_)
    if (std::find(rules.units_.begin(), rules.units_.end(), r.unit) == rules.units_.end())
      rules.units_.push_back(r.unit);
  if (rules.units_.size() > std::numeric_limits<std::uint16_t>::max()) {
    built.errors.push_back({{}, "too many units (at most 65535)"});
    return built;
  }
  rules.slot_unit_.resize(modulus);
  for (const SlotRange& r : rules.ranges_) {
    auto unit =
        static_cast<std::uint16_t>(std::find(rules.units_.begin(), rules.units_.end(), r.unit) - rules.units_.begin());
    std::fill(rules.slot_unit_.begin() + r.first, rules.slot_unit_.begin() + r.last + 1, unit);
  }
  built.rules = std::move(rules);
  return built;
}

std::string RuleSet::text() const {
  std::string out;
  for (const SlotRange& r : ranges_) out += describe(r) + "\n";
  return out;
}

RuleSet RuleSet::with_version(std::uint64_t version) const {
  RuleSet copy = *this;
  copy.version_ = version;
  return copy;
}

}  // namespace wsfo::routing
