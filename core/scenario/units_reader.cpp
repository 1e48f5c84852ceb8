// The "units" section: nodes, VIPs, backends and URI routes of each unit.
#include <algorithm>

#include "core/scenario/reader_support.hpp"

namespace wsfo::scenario::detail {

namespace {

// A node, VIP or backend is kept (for the references to it) once its name and
// address are readable; its other problems are reported and fail the load.
std::optional<Node> read_node(const Json& value, const std::string& pointer, Problems& problems,
                              Registries& registries) {
  ObjectReader reader(value, pointer, problems);
  auto name = read_name(reader, "name");
  auto address = read_loopback(reader, "address");
  auto port = read_port(reader, "port");
  auto admin_port = read_port(reader, "admin_port");
  if (!name || !address || !registries.nodes.claim(*name, reader.pointer_of("name"), problems)) return std::nullopt;
  // A node's address is its own: once that is reported taken, its ports are not reported again.
  if (registries.host_addresses.claim(*address, reader.pointer_of("address"), problems)) {
    if (port) registries.endpoints.claim(*address, *port, pointer, reader.pointer_of("port"), problems);
    if (admin_port)
      registries.endpoints.claim(*address, *admin_port, pointer, reader.pointer_of("admin_port"), problems);
  }
  return Node{*name, *address, port.value_or(0), admin_port.value_or(0)};
}

std::optional<GatewayTrack> read_track(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  auto interval = reader.duration("interval", true);
  auto weight = reader.integer("weight", false, -253, 253);
  if (!interval) return std::nullopt;
  if (interval->count() == 0) {
    problems.add(reader.pointer_of("interval"), "expected a positive duration, got \"0s\"");
    return std::nullopt;
  }
  return GatewayTrack{*interval, static_cast<int>(weight.value_or(0))};
}

std::string joined(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
}

// The names written in an array of objects, readable or not otherwise: a node
// or backend with a wrong port still exists for the references to it, so that
// one mistake gives one problem.
std::vector<std::string> declared_names(const Json& unit, const char* key) {
  std::vector<std::string> names;
  auto list = unit.find(key);
  if (list == unit.end() || !list->is_array()) return names;
  for (const Json& item : *list)
    if (item.is_object() && item.contains("name") && item["name"].is_string())
      names.push_back(item["name"].get<std::string>());
  return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool read_priorities(ObjectReader& reader, const std::string& unit, const std::vector<std::string>& nodes, Vip& vip) {
  const Json* map = reader.object("priorities", true);
  if (!map) return false;
  std::string pointer = reader.pointer_of("priorities");
  if (map->empty()) reader.problems().add(pointer, "expected at least one node with its priority");
  bool ok = !map->empty();
  for (const auto& [node, priority] : map->items()) {
    std::string node_pointer = json::pointer_append(pointer, node);
    if (!contains(nodes, node)) {
      reader.problems().add(node_pointer,
                            "unknown node '" + node + "': the nodes of unit '" + unit + "' are " + joined(nodes));
      ok = false;
    } else if (!priority.is_number_integer() || priority.get<std::int64_t>() < 1 ||
               priority.get<std::int64_t>() > 254) {
      reader.problems().add(node_pointer, "expected a VRRP priority, an integer in [1, 254], got " + priority.dump());
      ok = false;
    } else {
      vip.priorities.push_back({node, static_cast<int>(priority.get<std::int64_t>())});
    }
  }
  std::stable_sort(vip.priorities.begin(), vip.priorities.end(),
                   [](const VipPriority& a, const VipPriority& b) { return a.priority > b.priority; });
  return ok;
}

std::optional<Vip> read_vip(const Json& value, const std::string& pointer, Problems& problems, Registries& registries,
                            const std::string& unit, const std::vector<std::string>& nodes, NameRegistry& vrids) {
  ObjectReader reader(value, pointer, problems);
  Vip vip;
  auto name = read_name(reader, "name");
  auto address = read_loopback(reader, "address");
  auto port = read_port(reader, "port");
  auto vrid = reader.integer("vrid", true, 1, 255);
  auto version = reader.integer("vrrp_version", false, 2, 3);
  auto advert = reader.duration("advert_int", true);
  auto preempt = reader.boolean("preempt", false);
  read_priorities(reader, unit, nodes, vip);
  if (const Json* t = reader.object("track_gateway", false))
    vip.track_gateway = read_track(*t, reader.pointer_of("track_gateway"), problems);
  if (advert && (advert->count() <= 0 || *advert > std::chrono::seconds(40) || advert->count() % 10'000'000 != 0)) {
    // RFC 5798 carries the interval in centiseconds (12 bits).
    problems.add(reader.pointer_of("advert_int"),
                 "expected an advert interval of 10ms to 40s in whole centiseconds, got \"" +
                     json::format_duration(*advert) + "\"");
  }
  if (!name || !address || !registries.vips.claim(*name, reader.pointer_of("name"), problems)) return std::nullopt;
  if (registries.host_addresses.claim(*address, reader.pointer_of("address"), problems) && port)
    registries.endpoints.claim(*address, *port, pointer, reader.pointer_of("port"), problems);
  if (vrid) vrids.claim(std::to_string(*vrid), reader.pointer_of("vrid"), problems);
  vip.name = *name;
  vip.address = *address;
  vip.port = port.value_or(0);
  vip.vrid = static_cast<int>(vrid.value_or(0));
  vip.vrrp_version = static_cast<int>(version.value_or(2));
  vip.advert_interval = advert.value_or(Duration{});
  vip.preempt = preempt.value_or(true);
  return vip;
}

std::optional<Route> read_route(const Json& value, const std::string& pointer, Problems& problems,
                                const std::vector<std::string>& backends, NameRegistry& prefixes,
                                const std::string& unit) {
  ObjectReader reader(value, pointer, problems);
  Route route;
  auto prefix = reader.string("prefix", true);
  auto balance = reader.choice("balance", false, {"round-robin", "router-id-hash"});
  bool ok = true;
  NameRegistry listed("backend in this route");
  for_each_element(reader, "backends", true, 1, [&](const Json& item, const std::string& item_pointer) {
    auto name = name_value(item, item_pointer, problems);
    if (!name) return void(ok = false);
    if (!contains(backends, *name)) {
      problems.add(item_pointer, "unknown backend '" + *name + "' in unit '" + unit + "'");
      return void(ok = false);
    }
    if (!listed.claim(*name, item_pointer, problems)) return void(ok = false);
    route.backends.push_back(*name);
  });
  if (prefix && (prefix->empty() || prefix->front() != '/')) {
    problems.add(reader.pointer_of("prefix"), "expected a path prefix starting with '/', got \"" + *prefix + "\"");
    return std::nullopt;
  }
  if (!prefix || !ok || route.backends.empty()) return std::nullopt;
  if (!prefixes.claim(*prefix, reader.pointer_of("prefix"), problems)) return std::nullopt;
  route.prefix = *prefix;
  route.balance = balance.value_or("round-robin") == "router-id-hash" ? Balance::router_id_hash : Balance::round_robin;
  return route;
}

std::optional<Unit> read_unit(const Json& value, const std::string& pointer, Problems& problems, Registries& registries,
                              NameRegistry& vrids, bool tls) {
  ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  Unit unit;
  auto name = read_name(reader, "name");
  auto label = reader.string("label", true);
  auto subdomain = read_hostname(reader, "subdomain");
  auto public_url = read_ws_url(reader, "public_url", tls);
  if (name && !registries.units.claim(*name, reader.pointer_of("name"), problems)) return std::nullopt;
  unit.name = name.value_or("");
  auto keep = [](auto& list, auto item) {
    if (item) list.push_back(std::move(*item));
  };
  for_each_element(reader, "nodes", true, 1, [&](const Json& item, const std::string& p) {
    keep(unit.nodes, read_node(item, p, problems, registries));
  });
  for_each_element(reader, "vips", false, 0, [&](const Json& item, const std::string& p) {
    keep(unit.vips, read_vip(item, p, problems, registries, unit.name, declared_names(value, "nodes"), vrids));
  });
  for_each_element(reader, "backends", true, 1, [&](const Json& item, const std::string& p) {
    bool read_ok = true;  // problems are reported; the backend is kept for the references to it
    Backend backend = read_backend(item, p, problems, registries, read_ok);
    if (!backend.name.empty()) unit.backends.push_back(std::move(backend));
  });
  NameRegistry prefixes("route prefix");
  for_each_element(reader, "routes", true, 1, [&](const Json& item, const std::string& p) {
    keep(unit.routes, read_route(item, p, problems, declared_names(value, "backends"), prefixes, unit.name));
  });
  // A unit whose name is readable is kept even when other parts are wrong, so
  // that references to it elsewhere do not report a second, misleading problem.
  if (!name) return std::nullopt;
  unit.label = label.value_or("");
  unit.subdomain = subdomain.value_or("");
  unit.public_url = public_url ? public_url->text : "";
  return unit;
}

}  // namespace

// The backends pad their broadcasts in memory and send each to every client.
constexpr std::int64_t kMaxBroadcastSize = 1 << 20;

Backend read_backend(const Json& value, const std::string& pointer, Problems& problems, Registries& registries,
                     bool& ok) {
  ObjectReader reader(value, pointer, problems);
  auto name = read_name(reader, "name");
  auto address = read_loopback(reader, "address");
  auto port = read_port(reader, "port");
  Duration interval = std::chrono::seconds(1);
  if (auto written = reader.duration("broadcast_interval", false)) interval = *written;
  auto announce = reader.choice("announce", false, {"all", "self"});
  auto message_size = reader.integer("message_size", false, 0, kMaxBroadcastSize);
  if (reader.has("message_size") && !message_size) ok = false;
  if (interval.count() == 0) {
    problems.add(reader.pointer_of("broadcast_interval"), "expected a positive duration, got \"0s\"");
    ok = false;
  }
  if (!name || !address || !port) ok = false;
  if (!name || !address) return Backend{};
  ok = registries.backends.claim(*name, reader.pointer_of("name"), problems) && ok;
  if (port) ok = registries.endpoints.claim(*address, *port, pointer, reader.pointer_of("port"), problems) && ok;
  return Backend{*name, *address, port.value_or(0), interval, announce.value_or("all") == "all",
                 static_cast<std::size_t>(message_size.value_or(0))};
}

std::vector<Unit> read_units(const Json& value, const std::string& pointer, Problems& problems,
                             Registries& registries, bool tls) {
  std::vector<Unit> units;
  if (!value.is_array()) {
    problems.add(pointer, "expected an array, got " + json::type_name(value));
    return units;
  }
  if (value.empty()) problems.add(pointer, "expected at least 1 element, got 0");
  NameRegistry vrids("VRRP virtual_router_id");
  for (std::size_t i = 0; i < value.size(); ++i)
    if (auto unit = read_unit(value[i], json::pointer_append(pointer, i), problems, registries, vrids, tls))
      units.push_back(std::move(*unit));
  return units;
}

}  // namespace wsfo::scenario::detail
