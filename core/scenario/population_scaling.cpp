#include "core/scenario/population_scaling.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "core/scenario/scenario_loader.hpp"

namespace wsfo::scenario {

namespace population_scaling_parts {

constexpr std::uint64_t kMaxRouterId = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr const char* kSweepForm = "expected GROUP=FROM..TO, e.g. fleet=1000..200000";

std::optional<std::uint64_t> digits_value(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits always fit in 64 bits
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return std::stoull(text);
}

std::string number_text(std::uint64_t n) { return std::to_string(n); }

// "", or why `range` cannot scale `group` up to its TO.
std::string group_limit(const ClientGroup& group, const SweepRange& range) {
  const std::string name = "group '" + group.name + "'";
  if (const auto* list = std::get_if<RouterIdList>(&group.router_ids)) {
    if (range.to > list->ids.size())
      return name + " lists " + number_text(list->ids.size()) +
             " routerIds: a sweep can shrink a list to its first ids but not grow it to " + number_text(range.to) +
             " (write a range or random routerIds to sweep beyond it)";
    return "";
  }
  if (const auto* random = std::get_if<RouterIdRandom>(&group.router_ids)) {
    std::uint64_t span = random->to - random->from;  // one less than the number of values, so it cannot overflow
    if (range.to - 1 > span)
      return name + ": " + number_text(range.to) + " distinct random routerIds do not fit in [" +
             number_text(random->from) + ", " + number_text(random->to) + "], which holds " +
             (span == kMaxRouterId ? std::string("2^63") : number_text(span + 1)) + " values";
    return "";
  }
  const auto& ids = std::get<RouterIdRange>(group.router_ids);
  if (range.to - 1 > kMaxRouterId - ids.from)
    return name + ": a range from " + number_text(ids.from) + " with " + number_text(range.to) +
           " routerIds would end at " + number_text(ids.from) + " + " + number_text(range.to - 1) +
           ", beyond the largest routerId " + number_text(kMaxRouterId);
  return "";
}

json::Json scaled_router_ids(const json::Json& written, std::uint64_t count) {
  if (written.is_array()) {
    json::Json prefix = json::Json::array();
    // check_sweep refused growing a list; a longer count keeps the list whole.
    for (std::uint64_t i = 0; i < count && i < written.size(); ++i) prefix.push_back(written[i]);
    return prefix;
  }
  json::Json scaled = written;
  if (scaled.contains("random")) {
    scaled["random"]["count"] = count;
  } else {
    scaled["to"] = scaled["from"].get<std::uint64_t>() + count - 1;
  }
  return scaled;
}

// bound * total / written, in integers so a bound that scales exactly is not rounded.
std::int64_t scaled_bound(const json::Json& bound, std::uint64_t total, std::uint64_t written, bool round_up) {
  using Wide = unsigned __int128;
  Wide product = static_cast<Wide>(bound.get<std::int64_t>()) * total;
  Wide value = product / written + (round_up && product % written != 0 ? 1 : 0);
  constexpr auto kMax = static_cast<Wide>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(value > kMax ? kMax : value);
}

void scale_expectations(json::Json& document, std::uint64_t total, std::uint64_t written) {
  if (!document.contains("timeline")) return;
  for (json::Json& event : document["timeline"]) {
    if (!event.contains("expect")) continue;
    json::Json& expect = event["expect"];
    if (expect.contains("disconnected") && expect["disconnected"].is_object() &&
        expect["disconnected"].contains("count")) {
      json::Json& count = expect["disconnected"]["count"];
      if (count.contains("min")) count["min"] = scaled_bound(count["min"], total, written, false);
      if (count.contains("max")) count["max"] = scaled_bound(count["max"], total, written, true);
    }
    if (expect.contains("messages_lost_max"))
      expect["messages_lost_max"] = scaled_bound(expect["messages_lost_max"], total, written, true);
  }
}

}  // namespace population_scaling_parts

using namespace population_scaling_parts;

ParsedSweepRange parse_sweep_range(const std::string& text) {
  const std::string quoted = "'" + text + "': ";
  auto equals = text.find('=');
  auto dots = text.find("..", equals == std::string::npos ? 0 : equals);
  if (equals == std::string::npos || equals == 0 || dots == std::string::npos)
    return {std::nullopt, quoted + kSweepForm};
  std::string from_text = text.substr(equals + 1, dots - equals - 1);
  std::string to_text = text.substr(dots + 2);
  auto from = digits_value(from_text);
  auto to = digits_value(to_text);
  if (!from || !to) return {std::nullopt, quoted + kSweepForm + " (FROM and TO are client counts, digits only)"};
  if (*from == 0) return {std::nullopt, quoted + "FROM must be at least 1 client"};
  if (*from > *to) return {std::nullopt, quoted + "FROM (" + from_text + ") is above TO (" + to_text + ")"};
  return {SweepRange{text.substr(0, equals), *from, *to}, ""};
}

std::uint64_t PopulationSweep::from() const {
  std::uint64_t total = 0;
  for (const auto& range : ranges) total += range.from;
  return total;
}

std::uint64_t PopulationSweep::to() const {
  std::uint64_t total = 0;
  for (const auto& range : ranges) total += range.to;
  return total;
}

std::vector<std::uint64_t> PopulationSweep::counts_at(std::uint64_t population) const {
  const std::uint64_t low = from(), high = to();
  population = std::clamp(population, low, high);
  std::vector<std::uint64_t> counts;
  std::uint64_t assigned = 0;
  for (const auto& range : ranges) {
    // FROM + x (TO - FROM) with x = (population - low) / (high - low), rounded down.
    std::uint64_t grown = high == low ? 0
                                      : static_cast<std::uint64_t>(static_cast<unsigned __int128>(population - low) *
                                                                   (range.to - range.from) / (high - low));
    counts.push_back(range.from + grown);
    assigned += range.from + grown;
  }
  // The rounding leaves fewer than one client per group: the first groups with room take it.
  for (std::size_t i = 0; i < counts.size() && assigned < population; ++i)
    if (counts[i] < ranges[i].to) ++counts[i], ++assigned;
  return counts;
}

CheckedSweep check_sweep(const Scenario& scenario, const std::vector<SweepRange>& ranges) {
  if (ranges.empty()) return {std::nullopt, "no group to sweep"};
  std::set<std::string> seen;
  for (const auto& range : ranges) {
    const ClientGroup* group = scenario.find_group(range.group);
    if (!group) {
      std::string known;
      for (const auto& g : scenario.clients) known += (known.empty() ? "" : ", ") + g.name;
      return {std::nullopt, "unknown client group '" + range.group + "' (the scenario's groups: " + known + ")"};
    }
    if (!seen.insert(range.group).second)
      return {std::nullopt, "group '" + range.group + "' is swept twice: give each group one range"};
    if (auto why = group_limit(*group, range); !why.empty()) return {std::nullopt, why};
  }
  return {PopulationSweep{ranges}, ""};
}

ScaledScenario scale_scenario(const json::Json& written, const Scenario& scenario, const PopulationSweep& sweep,
                              std::uint64_t population) {
  ScaledScenario scaled;
  scaled.document = written;
  std::vector<std::uint64_t> counts = sweep.counts_at(population);
  std::uint64_t total = scenario.client_count();
  for (std::size_t i = 0; i < sweep.ranges.size(); ++i) {
    const ClientGroup* group = scenario.find_group(sweep.ranges[i].group);
    if (!group) {
      scaled.error = "unknown client group '" + sweep.ranges[i].group + "'";
      return scaled;
    }
    total = total - count_of(group->router_ids) + counts[i];
    for (json::Json& item : scaled.document["clients"])
      if (item.value("name", "") == group->name) item["router_ids"] = scaled_router_ids(item["router_ids"], counts[i]);
  }
  scale_expectations(scaled.document, total, scenario.client_count());
  json::Problems problems;
  scaled.scenario = read_scenario(scaled.document, problems);
  if (!problems.empty()) {
    scaled.scenario.reset();
    scaled.error = "the scenario scaled to " + std::to_string(population) +
                   " clients is invalid: " + json::format(problems.list().front());
  }
  return scaled;
}

}  // namespace wsfo::scenario
