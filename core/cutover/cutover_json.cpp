#include "core/cutover/cutover_json.hpp"

namespace wsfo::cutover {

namespace {

using Json = nlohmann::json;

template <class Enum, std::size_t N>
std::optional<Enum> enum_named(const std::string& name, const Enum (&values)[N]) {
  for (Enum value : values)
    if (to_string(value) == name) return value;
  return std::nullopt;
}

}  // namespace

Json to_json(const CutoverResult& c) {
  Json checks = Json::array(), moved = Json::array(), steps = Json::array();
  for (const auto& check : c.checks)
    checks.push_back(
        {{"name", check.name}, {"status", to_string(check.status)}, {"attempts", check.attempts}, {"detail", check.detail}});
  for (const auto& m : c.moved)
    moved.push_back({{"from", m.from_unit}, {"to", m.to_unit}, {"first", m.first}, {"last", m.last}});
  for (const auto& s : c.steps)
    steps.push_back({{"at_ns", s.at.count()}, {"step", s.step}, {"node", s.node}, {"ok", s.ok}, {"message", s.message}});
  return {{"from_version", c.from_version},
          {"to_version", c.to_version},
          {"outcome", to_string(c.outcome)},
          {"final_version", c.final_version},
          {"reason", c.reason},
          {"moved", moved},
          {"checks", checks},
          {"steps", steps},
          {"unreachable", c.unreachable},
          {"untouched", c.untouched}};
}

std::optional<CutoverResult> cutover_from_json(const Json& json, std::string& error) {
  static constexpr Outcome kOutcomes[] = {Outcome::committed, Outcome::aborted, Outcome::rolled_back,
                                          Outcome::inconsistent};
  static constexpr CheckOutcome::Status kStatuses[] = {CheckOutcome::Status::pass, CheckOutcome::Status::fail,
                                                       CheckOutcome::Status::skipped};
  try {
    CutoverResult c;
    auto outcome = enum_named(json.at("outcome").get<std::string>(), kOutcomes);
    if (!outcome) return error = "unknown cutover outcome " + json.at("outcome").dump(), std::nullopt;
    c.outcome = *outcome;
    c.from_version = json.at("from_version").get<std::uint64_t>();
    c.to_version = json.at("to_version").get<std::uint64_t>();
    c.final_version = json.at("final_version").get<std::uint64_t>();
    c.reason = json.at("reason").get<std::string>();
    for (const auto& m : json.at("moved"))
      c.moved.push_back({m.at("first").get<std::uint32_t>(), m.at("last").get<std::uint32_t>(),
                         m.at("from").get<std::string>(), m.at("to").get<std::string>()});
    for (const auto& check : json.at("checks")) {
      auto status = enum_named(check.at("status").get<std::string>(), kStatuses);
      if (!status) return error = "unknown pre-check status " + check.at("status").dump(), std::nullopt;
      c.checks.push_back({check.at("name").get<std::string>(), *status, check.at("attempts").get<int>(),
                          check.at("detail").get<std::string>()});
    }
    for (const auto& s : json.at("steps"))
      c.steps.push_back({Duration(s.at("at_ns").get<std::int64_t>()), s.at("step").get<std::string>(),
                         s.at("node").get<std::string>(), s.at("ok").get<bool>(), s.at("message").get<std::string>()});
    c.unreachable = json.at("unreachable").get<std::vector<std::string>>();
    if (json.contains("untouched")) c.untouched = json.at("untouched").get<std::vector<std::string>>();
    return c;
  } catch (const Json::exception& e) {
    error = std::string("cutover: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace wsfo::cutover
