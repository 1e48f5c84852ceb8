// The "clients" section: client groups, their routerIds and their policies.
#include <algorithm>
#include <limits>

#include "core/scenario/reader_support.hpp"

namespace wsfo::scenario::detail {

namespace {

constexpr std::int64_t kMaxRouterId = std::numeric_limits<std::int64_t>::max();
// The groups expand into a list of routerIds: keep it to what fits in memory.
constexpr std::uint64_t kMaxGroupSize = 10'000'000;

std::optional<std::uint64_t> router_id_value(const Json& value, const std::string& pointer, Problems& problems) {
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0 &&
      !(value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxRouterId)))
    return value.get<std::uint64_t>();
  problems.add(pointer,
               "expected a routerId, an integer in [0, " + std::to_string(kMaxRouterId) + "], got " + value.dump());
  return std::nullopt;
}

std::optional<RouterIdSpec> read_id_list(const Json& list, const std::string& pointer, Problems& problems) {
  RouterIdList ids;
  bool ok = true;
  if (list.empty()) problems.add(pointer, "expected at least 1 routerId, got 0"), ok = false;
  if (list.size() > kMaxGroupSize)
    problems.add(pointer, "expected at most " + std::to_string(kMaxGroupSize) + " routerIds"), ok = false;
  NameRegistry seen("routerId");
  for (std::size_t i = 0; ok && i < list.size(); ++i) {
    std::string item_pointer = json::pointer_append(pointer, i);
    auto id = router_id_value(list[i], item_pointer, problems);
    if (id && seen.claim(std::to_string(*id), item_pointer, problems))
      ids.ids.push_back(*id);
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return ids;
}

// [from, to] with to >= from and at most kMaxGroupSize values (when `limit_size`).
bool read_bounds(ObjectReader& reader, bool required, std::uint64_t& from, std::uint64_t& to) {
  auto low = reader.integer("from", required, 0, kMaxRouterId);
  auto high = reader.integer("to", required, 0, kMaxRouterId);
  if ((required || reader.has("from")) && !low) return false;
  if ((required || reader.has("to")) && !high) return false;
  from = static_cast<std::uint64_t>(low.value_or(0));
  to = static_cast<std::uint64_t>(high.value_or(kMaxRouterId));
  if (from <= to) return true;
  reader.problems().add(reader.pointer_of("to"),
                        "expected a value not below from (" + std::to_string(from) + "), got " + std::to_string(to));
  return false;
}

std::optional<RouterIdSpec> read_random(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  RouterIdRandom random;
  auto count = reader.integer("count", true, 1, kMaxGroupSize);
  auto seed = reader.integer("seed", true, 0, kMaxRouterId);
  if (!read_bounds(reader, false, random.from, random.to) || !count || !seed) return std::nullopt;
  random.count = static_cast<std::uint64_t>(*count);
  random.seed = static_cast<std::uint64_t>(*seed);
  if (random.to - random.from >= random.count - 1) return random;
  problems.add(reader.pointer_of("count"), "expected at most " + std::to_string(random.to - random.from + 1) +
                                               " distinct routerIds in [" + std::to_string(random.from) + ", " +
                                               std::to_string(random.to) + "], got " + std::to_string(random.count));
  return std::nullopt;
}

std::optional<RouterIdSpec> read_router_ids(const Json& value, const std::string& pointer, Problems& problems) {
  if (value.is_array()) return read_id_list(value, pointer, problems);
  if (value.is_object() && value.contains("random")) {
    ObjectReader reader(value, pointer, problems);
    return read_random(*reader.value("random", true), reader.pointer_of("random"), problems);
  }
  if (!value.is_object()) {
    problems.add(pointer,
                 "expected a list of routerIds, a range {\"from\", \"to\"} or {\"random\": {\"count\", "
                 "\"seed\"}}, got " +
                     json::type_name(value));
    return std::nullopt;
  }
  ObjectReader reader(value, pointer, problems);
  RouterIdRange range;
  if (!read_bounds(reader, true, range.from, range.to)) return std::nullopt;
  if (range.to - range.from < kMaxGroupSize) return range;
  problems.add(pointer, "expected at most " + std::to_string(kMaxGroupSize) + " routerIds, got " +
                            std::to_string(range.to - range.from) + "+1");
  return std::nullopt;
}

std::optional<Duration> positive_duration(ObjectReader& reader, const std::string& key, bool required) {
  auto d = reader.duration(key, required);
  if (!d || d->count() > 0) return d;
  reader.problems().add(reader.pointer_of(key), "expected a positive duration, got \"0s\"");
  return std::nullopt;
}

std::optional<ReconnectPolicy> read_backoff(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  auto base = positive_duration(reader, "base", true);
  auto cap = positive_duration(reader, "cap", true);
  auto jitter = reader.number("jitter", false, 0.0, 1.0);
  if (!base || !cap || (reader.has("jitter") && !jitter)) return std::nullopt;
  if (*cap < *base) {
    problems.add(reader.pointer_of("cap"), "expected a cap not below base (" + json::format_duration(*base) +
                                               "), got \"" + json::format_duration(*cap) + "\"");
    return std::nullopt;
  }
  return BackoffReconnect{*base, *cap, jitter.value_or(0.0)};
}

std::optional<ReconnectPolicy> read_reconnect(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  const Json* fixed = reader.value("fixed", false);
  const Json* backoff = reader.value("backoff", false);
  if ((fixed != nullptr) == (backoff != nullptr)) {
    problems.add(pointer, "expected exactly one of \"fixed\" or \"backoff\"");
    return std::nullopt;
  }
  if (backoff) return read_backoff(*backoff, reader.pointer_of("backoff"), problems);
  ObjectReader fixed_reader(*fixed, reader.pointer_of("fixed"), problems);
  auto delay = fixed_reader.duration("delay", true);
  if (!delay) return std::nullopt;
  return FixedReconnect{*delay};
}

std::optional<Heartbeat> read_heartbeat(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  auto interval = positive_duration(reader, "interval", true);
  auto timeout = positive_duration(reader, "timeout", true);
  if (!interval || !timeout) return std::nullopt;
  if (*timeout <= *interval) {
    problems.add(reader.pointer_of("timeout"), "expected a timeout longer than the interval (" +
                                                   json::format_duration(*interval) + "), got \"" +
                                                   json::format_duration(*timeout) + "\"");
    return std::nullopt;
  }
  return Heartbeat{*interval, *timeout};
}

bool is_known_host(const std::string& host, const Scenario& scenario) {
  if (host == scenario.domain.name) return true;
  for (const Unit& unit : scenario.units) {
    if (unit.subdomain == host) return true;
    for (const Node& node : unit.nodes)
      if (node.address == host) return true;
    for (const Vip& vip : unit.vips)
      if (vip.address == host) return true;
  }
  return false;
}

std::optional<ClientGroup> read_group(const Json& value, const std::string& pointer, Problems& problems,
                                      Registries& registries, const Scenario& scenario) {
  ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  ClientGroup group;
  auto name = read_name(reader, "name");
  std::optional<RouterIdSpec> ids;
  if (const Json* v = reader.value("router_ids", true))
    ids = read_router_ids(*v, reader.pointer_of("router_ids"), problems);
  auto url = read_ws_url(reader, "url", scenario.tls);
  auto mode = reader.choice("mode", false, {"header", "query", "cookie"});
  std::optional<ReconnectPolicy> reconnect = group.reconnect;
  if (const Json* v = reader.value("reconnect", false))
    reconnect = read_reconnect(*v, reader.pointer_of("reconnect"), problems);
  if (const Json* v = reader.value("heartbeat", false))
    group.heartbeat = read_heartbeat(*v, reader.pointer_of("heartbeat"), problems);
  auto max_redirects = reader.integer("max_redirects", false, 0, 20);
  auto at_start = reader.boolean("connect_at_start", false);
  auto address = read_loopback(reader, "address", false);
  auto browser = reader.boolean("browser", false);
  if (browser.value_or(false) && (mode ? *mode == "header" : !reader.has("mode"))) {
    problems.add(reader.pointer_of("mode"),
                 "a browser cannot set headers on a WebSocket: expected \"query\" or \"cookie\" for a group with "
                 "\"browser\": true");
    return std::nullopt;
  }
  if (browser.value_or(false) && reader.has("max_redirects")) {
    problems.add(reader.pointer_of("max_redirects"),
                 "a browser does not follow redirects on a WebSocket upgrade: max_redirects does not apply to a "
                 "group with \"browser\": true");
    return std::nullopt;
  }
  // Without a valid domain (already reported) the host cannot be judged.
  if (url && !scenario.domain.name.empty() && !is_known_host(url->host, scenario)) {
    problems.add(reader.pointer_of("url"), "unknown host '" + url->host + "': expected the domain '" +
                                               scenario.domain.name + "', a unit subdomain, or a node or VIP address");
    return std::nullopt;
  }
  if (!name || !ids || !url || !reconnect) return std::nullopt;
  if (!registries.groups.claim(*name, reader.pointer_of("name"), problems)) return std::nullopt;
  if (address && !registries.host_addresses.claim(*address, reader.pointer_of("address"), problems))
    return std::nullopt;
  group.name = *name;
  group.router_ids = *ids;
  group.url = *url;
  group.mode = *routing::router_id_source_from_string(mode.value_or("header"));
  group.reconnect = *reconnect;
  group.max_redirects = static_cast<int>(max_redirects.value_or(5));
  group.connect_at_start = at_start.value_or(true);
  group.address = address;
  group.browser = browser.value_or(false);
  return group;
}

}  // namespace

std::vector<ClientGroup> read_clients(const Json& value, const std::string& pointer, Problems& problems,
                                      Registries& registries, const Scenario& scenario) {
  std::vector<ClientGroup> groups;
  if (!value.is_array()) {
    problems.add(pointer, "expected an array, got " + json::type_name(value));
    return groups;
  }
  if (value.empty()) problems.add(pointer, "expected at least 1 element, got 0");
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < value.size(); ++i)
    if (auto group = read_group(value[i], json::pointer_append(pointer, i), problems, registries, scenario)) {
      total += count_of(group->router_ids);
      groups.push_back(std::move(*group));
    }
  if (total > kMaxGroupSize)
    problems.add(pointer, "expected at most " + std::to_string(kMaxGroupSize) + " clients in all groups, got " +
                              std::to_string(total));
  return groups;
}

}  // namespace wsfo::scenario::detail
