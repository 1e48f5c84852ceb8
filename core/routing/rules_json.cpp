#include "core/routing/rules_json.hpp"

#include <fstream>
#include <limits>
#include <sstream>

namespace wsfo::routing {

namespace {

std::optional<SlotRange> read_range(const json::Json& value, const std::string& pointer, json::Problems& problems) {
  json::ObjectReader reader(value, pointer, problems);
  constexpr auto big = std::numeric_limits<std::int32_t>::max();
  auto from = reader.integer("from", true, -big, big);
  auto to = reader.integer("to", true, -big, big);
  auto unit = reader.string("unit", true);
  if (!from || !to || !unit) return std::nullopt;
  return SlotRange{*from, *to, *unit};
}

}  // namespace

namespace {

std::optional<RuleSet> read_rules_unchecked(const json::Json& value, const std::string& pointer,
                                            json::Problems& problems, const std::vector<std::string>& known_units) {
  json::ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  auto version = reader.integer("version", true, 0, std::numeric_limits<std::int64_t>::max());
  auto modulus = reader.integer("modulus", false, 1, 1'000'000).value_or(kDefaultModulus);
  const json::Json* list = reader.array("ranges", true);
  if (!version || !list) return std::nullopt;

  std::string ranges_pointer = reader.pointer_of("ranges");
  std::vector<SlotRange> ranges;
  bool complete = true;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto range = json::read_strictly(
        problems, [&] { return read_range((*list)[i], json::pointer_append(ranges_pointer, i), problems); });
    if (range)
      ranges.push_back(*range);
    else
      complete = false;
  }
  if (!complete) return std::nullopt;

  auto built =
      RuleSet::build(static_cast<std::uint64_t>(*version), ranges, known_units, static_cast<std::uint32_t>(modulus));
  for (const RuleError& error : built.errors) {
    if (error.ranges.empty()) {
      problems.add(ranges_pointer, error.message);
      continue;
    }
    std::string message = error.message;
    for (std::size_t k = 0; k + 1 < error.ranges.size(); ++k)
      message += " (see also " + json::pointer_append(ranges_pointer, error.ranges[k]) + ")";
    problems.add(json::pointer_append(ranges_pointer, error.ranges.back()), message);
  }
  return built.rules;
}

}  // namespace

std::optional<RuleSet> read_rules(const json::Json& value, const std::string& pointer, json::Problems& problems,
                                  const std::vector<std::string>& known_units) {
  return json::read_strictly(problems, [&] { return read_rules_unchecked(value, pointer, problems, known_units); });
}

json::Json to_json(const RuleSet& rules) {
  json::Json ranges = json::Json::array();
  for (const SlotRange& r : rules.ranges()) ranges.push_back({{"from", r.first}, {"to", r.last}, {"unit", r.unit}});
  return {{"version", rules.version()}, {"modulus", rules.modulus()}, {"ranges", ranges}};
}

std::optional<RuleSet> load_rules_file(const std::string& path, json::Problems& problems) {
  std::ifstream in(path);
  if (!in) {
    problems.add("", "cannot read file '" + path + "'");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto document = json::parse(text.str(), problems);
  if (!document) return std::nullopt;
  return read_rules(*document, "", problems, {});
}

}  // namespace wsfo::routing
