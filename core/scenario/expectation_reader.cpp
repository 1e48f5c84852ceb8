// The "expect" block of a timeline event.
#include <algorithm>
#include <limits>

#include "core/scenario/reader_support.hpp"

namespace wsfo::scenario::detail {

namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

std::optional<SlotSpan> read_slot_span(const Json& value, const std::string& pointer, Problems& problems,
                                       std::uint32_t modulus) {
  ObjectReader reader(value, pointer, problems);
  auto from = reader.integer("from", true, 0, modulus - 1);
  auto to = reader.integer("to", true, 0, modulus - 1);
  if (!from || !to) return std::nullopt;
  if (*to < *from) {
    problems.add(reader.pointer_of("to"),
                 "expected a slot not below from (" + std::to_string(*from) + "), got " + std::to_string(*to));
    return std::nullopt;
  }
  return SlotSpan{static_cast<std::uint32_t>(*from), static_cast<std::uint32_t>(*to)};
}

std::string span_text(const SlotSpan& span) {
  return "[" + std::to_string(span.first) + ", " + std::to_string(span.last) + "]";
}

std::optional<DisconnectExpectation> read_slots(const Json& list, const std::string& pointer, Problems& problems,
                                                std::uint32_t modulus) {
  DisconnectSlots slots;
  bool ok = true;
  std::vector<std::string> pointers;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto span = read_slot_span(list[i], json::pointer_append(pointer, i), problems, modulus);
    if (!span) {
      ok = false;
      continue;
    }
    for (std::size_t k = 0; k < slots.spans.size(); ++k) {
      const SlotSpan& other = slots.spans[k];
      if (span->first <= other.last && other.first <= span->last) {
        problems.add(json::pointer_append(pointer, i), "slot ranges " + span_text(other) + " and " + span_text(*span) +
                                                           " overlap (see also " + pointers[k] + ")");
        ok = false;
      }
    }
    slots.spans.push_back(*span);
    pointers.push_back(json::pointer_append(pointer, i));
  }
  if (list.empty()) problems.add(pointer, "expected at least 1 slot range, got 0"), ok = false;
  if (!ok) return std::nullopt;
  return slots;
}

std::optional<DisconnectExpectation> read_router_id_list(const Json& list, const std::string& pointer,
                                                         Problems& problems) {
  DisconnectRouterIds ids;
  NameRegistry seen("routerId");
  bool ok = true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string item_pointer = json::pointer_append(pointer, i);
    const Json& item = list[i];
    bool valid = item.is_number_integer() && item.get<std::int64_t>() >= 0 &&
                 !(item.is_number_unsigned() && item.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxInt));
    if (!valid) {
      problems.add(item_pointer,
                   "expected a routerId, an integer in [0, " + std::to_string(kMaxInt) + "], got " + item.dump());
      ok = false;
    } else if (seen.claim(std::to_string(item.get<std::uint64_t>()), item_pointer, problems)) {
      ids.ids.push_back(item.get<std::uint64_t>());
    } else {
      ok = false;
    }
  }
  if (list.empty()) problems.add(pointer, "expected at least 1 routerId (write \"none\" for none), got 0"), ok = false;
  if (!ok) return std::nullopt;
  return ids;
}

std::optional<DisconnectExpectation> read_count(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  auto min = reader.integer("min", false, 0, kMaxInt);
  auto max = reader.integer("max", false, 0, kMaxInt);
  if ((reader.has("min") && !min) || (reader.has("max") && !max)) return std::nullopt;
  if (!min && !max) {
    problems.add(pointer, "expected \"min\", \"max\" or both");
    return std::nullopt;
  }
  DisconnectCount count{static_cast<std::uint64_t>(min.value_or(0)), static_cast<std::uint64_t>(max.value_or(kMaxInt))};
  if (count.max < count.min) {
    problems.add(reader.pointer_of("max"), "expected a bound not below min (" + std::to_string(count.min) + "), got " +
                                               std::to_string(count.max));
    return std::nullopt;
  }
  return count;
}

std::optional<DisconnectExpectation> read_disconnected(const Json& value, const std::string& pointer,
                                                       Problems& problems, std::uint32_t modulus) {
  static const char* expected =
      "expected \"none\" or an object with exactly one of \"router_ids\", \"slots\" or \"count\"";
  if (value == "none") return DisconnectNone{};
  if (!value.is_object() || value.size() != 1) {
    problems.add(pointer,
                 std::string(expected) + ", got " + (value.is_string() ? value.dump() : json::type_name(value)));
    return std::nullopt;
  }
  ObjectReader reader(value, pointer, problems);
  if (const Json* list = reader.array("router_ids", false))
    return read_router_id_list(*list, reader.pointer_of("router_ids"), problems);
  if (const Json* list = reader.array("slots", false))
    return read_slots(*list, reader.pointer_of("slots"), problems, modulus);
  if (const Json* count = reader.value("count", false)) return read_count(*count, reader.pointer_of("count"), problems);
  return std::nullopt;  // the reader reports the unknown key
}

std::optional<VipExpectation> read_vip_expectation(const Json& value, const std::string& pointer, Problems& problems,
                                                   const Scenario& scenario) {
  ObjectReader reader(value, pointer, problems);
  auto vip = read_name(reader, "vip");
  auto holder = read_name(reader, "holder");
  auto within = reader.duration("within", true);
  if (!vip || !holder || !within) return std::nullopt;
  const Vip* known = scenario.find_vip(*vip);
  if (!known) {
    problems.add(reader.pointer_of("vip"), "unknown VIP '" + *vip + "'");
    return std::nullopt;
  }
  if (std::none_of(known->priorities.begin(), known->priorities.end(),
                   [&](const VipPriority& p) { return p.node == *holder; })) {
    problems.add(reader.pointer_of("holder"), "node '" + *holder + "' has no priority for VIP '" + *vip + "'");
    return std::nullopt;
  }
  return VipExpectation{*vip, *holder, *within};
}

// {"group": "quiet", "noticed": "never"} or {"group": "beating", "noticed_within": "6s"}
std::optional<DeadConnectionExpectation> read_dead_connections(const Json& value, const std::string& pointer,
                                                               Problems& problems, const Scenario& scenario) {
  ObjectReader reader(value, pointer, problems);
  auto group = read_name(reader, "group");
  const bool never = reader.has("noticed");
  auto noticed = never ? reader.choice("noticed", true, {"never"}) : std::nullopt;
  auto within = reader.duration("noticed_within", false);
  if (!group || (never && !noticed)) return std::nullopt;
  if (!scenario.find_group(*group)) {
    problems.add(reader.pointer_of("group"), "unknown client group '" + *group + "'");
    return std::nullopt;
  }
  if (never == within.has_value()) {
    problems.add(pointer, "expected exactly one of \"noticed\": \"never\" and \"noticed_within\"");
    return std::nullopt;
  }
  return DeadConnectionExpectation{*group, within};
}

bool has_vip(const Scenario& scenario) {
  for (const auto& unit : scenario.units)
    if (!unit.vips.empty()) return true;
  return false;
}

}  // namespace

Expectation read_expectation(const Json& value, const std::string& pointer, Problems& problems,
                             const Scenario& scenario) {
  ObjectReader reader(value, pointer, problems);
  Expectation expect;
  if (!reader.valid()) return expect;
  if (const Json* v = reader.value("disconnected", false))
    expect.disconnected =
        read_disconnected(*v, reader.pointer_of("disconnected"), problems, scenario.gateway.router_id.modulus);
  expect.reconnect_within = reader.duration("reconnect_within", false);
  if (auto unit = read_name(reader, "land_in", false)) {
    if (scenario.find_unit(*unit))
      expect.land_in = unit;
    else
      problems.add(reader.pointer_of("land_in"), "unknown unit '" + *unit + "'");
  }
  if (auto lost = reader.integer("messages_lost_max", false, 0, kMaxInt))
    expect.messages_lost_max = static_cast<std::uint64_t>(*lost);
  expect.no_dual_service = reader.boolean("no_dual_service", false).value_or(false);
  expect.no_redirect_loop = reader.boolean("no_redirect_loop", false).value_or(false);
  for_each_element(reader, "vips", false, 1, [&](const Json& item, const std::string& item_pointer) {
    if (auto vip = read_vip_expectation(item, item_pointer, problems, scenario)) expect.vips.push_back(*vip);
  });
  if (auto outcome = reader.string("cutover", false)) {
    if (*outcome == "committed" || *outcome == "aborted" || *outcome == "rolled-back")
      expect.cutover = outcome;
    else
      problems.add(reader.pointer_of("cutover"),
                   "expected \"committed\", \"aborted\" or \"rolled-back\", got \"" + *outcome + "\"");
  }
  expect.same_version = reader.boolean("same_version", false).value_or(false);
  for_each_element(reader, "detects", false, 1, [&](const Json& item, const std::string& item_pointer) {
    if (item == "bounce" || item == "dual_service")
      expect.detects.push_back(item.get<std::string>());
    else
      problems.add(item_pointer, "expected \"bounce\" or \"dual_service\", got " + item.dump());
  });
  for_each_element(reader, "reach_backends", false, 1, [&](const Json& item, const std::string& item_pointer) {
    if (item.is_string() && !item.get<std::string>().empty())
      expect.reach_backends.push_back(item.get<std::string>());
    else
      problems.add(item_pointer, "expected a backend name, got " + item.dump());
  });
  for_each_element(reader, "dead_connections", false, 1, [&](const Json& item, const std::string& item_pointer) {
    if (auto dead = read_dead_connections(item, item_pointer, problems, scenario))
      expect.dead_connections.push_back(*dead);
  });
  if ((expect.split_brain = reader.boolean("split_brain", false)) && !has_vip(scenario))
    problems.add(reader.pointer_of("split_brain"), "the scenario has no VIP, so no split brain can be judged");
  if (reader.valid() && value.empty()) problems.add(pointer, "expected at least one expectation");
  return expect;
}

}  // namespace wsfo::scenario::detail
