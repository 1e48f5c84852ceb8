#include "core/vrrp/agent_config.hpp"

#include <algorithm>
#include <map>

#include "core/vrrp/ipv4_address.hpp"

namespace wsfo::vrrp {

namespace {

using json::Json;
using json::ObjectReader;
using json::Problems;

std::optional<std::string> read_ipv4(ObjectReader& reader, const std::string& key) {
  auto text = reader.string(key, true);
  if (!text) return std::nullopt;
  if (parse_ipv4(*text)) return text;
  reader.problems().add(reader.pointer_of(key), "expected a dotted-quad IPv4 address, got \"" + *text + "\"");
  return std::nullopt;
}

std::optional<std::string> read_name(ObjectReader& reader, const std::string& key) {
  auto text = reader.string(key, true);
  if (!text || !text->empty()) return text;
  reader.problems().add(reader.pointer_of(key), "expected a non-empty string");
  return std::nullopt;
}

std::optional<VipAddress> read_vip(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  auto address = read_ipv4(reader, "address");
  auto port = reader.integer("port", true, 1, 65535);
  if (!address || !port) return std::nullopt;
  return VipAddress{*address, static_cast<std::uint16_t>(*port)};
}

std::optional<AgentTrack> read_track(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  AgentTrack track;
  const auto interval = reader.duration("interval", true);
  const bool positive = interval && interval->count() > 0;
  if (interval && !positive) {
    problems.add(reader.pointer_of("interval"),
                 "expected a positive duration, got \"" + json::format_duration(*interval) + "\"");
  }
  auto fall = reader.integer("fall", false, 1, 1000);
  auto rise = reader.integer("rise", false, 1, 1000);
  auto weight = reader.integer("weight", false, -kMaxBackupPriority, kMaxBackupPriority);
  if (!positive || (reader.has("fall") && !fall) || (reader.has("rise") && !rise) || (reader.has("weight") && !weight))
    return std::nullopt;
  track.interval = *interval;
  if (fall) track.fall = static_cast<int>(*fall);
  if (rise) track.rise = static_cast<int>(*rise);
  if (weight) track.weight = static_cast<int>(*weight);
  return track;
}

// Peers: distinct IPv4 addresses other than our own.
bool read_peers(const Json& array, const std::string& pointer, const std::string& own_address, Problems& problems,
                std::vector<std::string>& peers) {
  bool ok = true;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string at = json::pointer_append(pointer, i);
    const Json& item = array[i];
    if (!item.is_string() || !parse_ipv4(item.get<std::string>())) {
      problems.add(at, "expected a dotted-quad IPv4 address, got " + item.dump());
      ok = false;
      continue;
    }
    const auto peer = item.get<std::string>();
    if (peer == own_address) {
      problems.add(at, "peer " + peer + " is this node's own address");
      ok = false;
    } else if (std::find(peers.begin(), peers.end(), peer) != peers.end()) {
      problems.add(at, "peer " + peer + " is listed twice");
      ok = false;
    } else {
      peers.push_back(peer);
    }
  }
  return ok;
}

bool read_vips(const Json& array, const std::string& pointer, Problems& problems, std::vector<VipAddress>& vips) {
  if (array.empty()) {
    problems.add(pointer, "expected at least one VIP");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto vip = read_vip(array[i], json::pointer_append(pointer, i), problems);
    if (vip) vips.push_back(*vip);
    ok = ok && vip.has_value();
  }
  return ok;
}

Variant variant_named(const std::string& name) { return name == "rfc5798" ? Variant::rfc5798 : Variant::keepalived_v2; }

// The state machine's own rules (advert_int per variant) with the pointer of
// the key they concern.
bool check_with_state_machine(const AgentInstance& instance, const std::string& pointer, Problems& problems) {
  InstanceConfig config;
  config.vrid = instance.vrid;
  config.priority = instance.priority;
  config.advert_interval = instance.advert_interval;
  config.preempt_delay = instance.preempt_delay;
  config.variant = instance.variant;
  const auto messages = validate(config);
  for (const auto& message : messages) {
    const bool about_interval = message.rfind("advert_int", 0) == 0;
    const bool about_delay = message.rfind("preempt_delay", 0) == 0;
    problems.add(json::pointer_append(pointer, about_interval ? "advert_int"
                                               : about_delay  ? "preempt_delay"
                                                              : ""),
                 message);
  }
  return messages.empty();
}

std::optional<AgentInstance> read_instance(const Json& value, const std::string& pointer,
                                           const std::string& own_address, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  if (!reader.valid()) return std::nullopt;
  AgentInstance instance;
  bool ok = true;
  auto take = [](auto&& optional, auto& target) {
    if (optional) target = static_cast<std::remove_reference_t<decltype(target)>>(*optional);
    return optional.has_value();
  };
  ok &= take(read_name(reader, "name"), instance.name);
  ok &= take(reader.integer("vrid", true, 1, 255), instance.vrid);
  ok &= take(reader.integer("priority", true, 1, kOwnerPriority), instance.priority);
  if (reader.has("advert_int")) ok &= take(reader.duration("advert_int", false), instance.advert_interval);
  if (reader.has("preempt")) ok &= take(reader.boolean("preempt", false), instance.preempt);
  if (reader.has("preempt_delay")) ok &= take(reader.duration("preempt_delay", false), instance.preempt_delay);
  if (reader.has("variant")) {
    auto variant = reader.choice("variant", false, {"rfc5798", "keepalived_v2"});
    if (variant) instance.variant = variant_named(*variant);
    ok &= variant.has_value();
  }
  if (const Json* vips = reader.array("vips", true)) {
    ok &= read_vips(*vips, reader.pointer_of("vips"), problems, instance.vips);
  } else {
    ok = false;
  }
  if (const Json* peers = reader.array("peers", true)) {
    ok &= read_peers(*peers, reader.pointer_of("peers"), own_address, problems, instance.peers);
  } else {
    ok = false;
  }
  if (reader.has("track")) {
    const Json* track = reader.object("track", false);
    if (track) instance.track = read_track(*track, reader.pointer_of("track"), problems);
    ok &= instance.track.has_value();
  }
  if (ok) ok = check_with_state_machine(instance, pointer, problems);
  if (!ok) return std::nullopt;
  return instance;
}

// vrids demultiplex incoming adverts and names label events: both must be unique.
bool check_unique(const std::vector<AgentInstance>& instances, const std::string& pointer, Problems& problems) {
  bool ok = true;
  std::map<std::string, std::size_t> names;
  std::map<int, std::size_t> vrids;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const std::string at = json::pointer_append(pointer, i);
    auto [name, new_name] = names.emplace(instances[i].name, i);
    if (!new_name) {
      problems.add(json::pointer_append(at, "name"), "instance name \"" + instances[i].name + "\" is already used by " +
                                                         json::pointer_append(pointer, name->second));
      ok = false;
    }
    auto [vrid, new_vrid] = vrids.emplace(instances[i].vrid, i);
    if (!new_vrid) {
      problems.add(json::pointer_append(at, "vrid"), "vrid " + std::to_string(instances[i].vrid) +
                                                         " is already used by " +
                                                         json::pointer_append(pointer, vrid->second));
      ok = false;
    }
  }
  return ok;
}

}  // namespace

const char* to_string(Variant variant) { return variant == Variant::rfc5798 ? "rfc5798" : "keepalived_v2"; }

std::optional<AgentConfig> read_agent_config(const Json& value, const std::string& pointer, Problems& problems) {
  return json::read_strictly(problems, [&]() -> std::optional<AgentConfig> {
    ObjectReader reader(value, pointer, problems);
    if (!reader.valid()) return std::nullopt;
    AgentConfig config;
    auto node = read_name(reader, "node");
    auto address = read_ipv4(reader, "address");
    auto port = reader.integer("advert_port", false, 1, 65535);
    const Json* instances = reader.array("instances", true);
    config.events_file = reader.string("events_file", false).value_or("");
    if (!node || !address || (reader.has("advert_port") && !port) || !instances) return std::nullopt;
    config.node = *node;
    config.address = *address;
    if (port) config.advert_port = static_cast<std::uint16_t>(*port);
    const std::string instances_pointer = reader.pointer_of("instances");
    if (instances->empty()) {
      problems.add(instances_pointer, "expected at least one instance");
      return std::nullopt;
    }
    bool ok = true;
    for (std::size_t i = 0; i < instances->size(); ++i) {
      auto instance =
          read_instance((*instances)[i], json::pointer_append(instances_pointer, i), config.address, problems);
      if (instance) config.instances.push_back(std::move(*instance));
      ok = ok && instance.has_value();
    }
    if (!ok || !check_unique(config.instances, instances_pointer, problems)) return std::nullopt;
    return config;
  });
}

Json to_json(const AgentConfig& config) {
  Json instances = Json::array();
  for (const auto& instance : config.instances) {
    Json vips = Json::array();
    for (const auto& vip : instance.vips) vips.push_back({{"address", vip.address}, {"port", vip.port}});
    Json item = {{"name", instance.name},
                 {"vrid", instance.vrid},
                 {"vips", vips},
                 {"priority", instance.priority},
                 {"advert_int", json::format_duration(instance.advert_interval)},
                 {"preempt", instance.preempt},
                 {"preempt_delay", json::format_duration(instance.preempt_delay)},
                 {"variant", to_string(instance.variant)},
                 {"peers", instance.peers}};
    if (instance.track) {
      item["track"] = {{"interval", json::format_duration(instance.track->interval)},
                       {"fall", instance.track->fall},
                       {"rise", instance.track->rise},
                       {"weight", instance.track->weight}};
    }
    instances.push_back(std::move(item));
  }
  Json out = {{"node", config.node},
              {"address", config.address},
              {"advert_port", config.advert_port},
              {"instances", std::move(instances)}};
  if (!config.events_file.empty()) out["events_file"] = config.events_file;
  return out;
}

InstanceConfig to_instance_config(const AgentConfig& agent, const AgentInstance& instance) {
  InstanceConfig config;
  config.vrid = instance.vrid;
  config.address = parse_ipv4(agent.address).value_or(0);
  config.priority = instance.priority;
  config.advert_interval = instance.advert_interval;
  config.preempt = instance.preempt;
  config.preempt_delay = instance.preempt_delay;
  config.variant = instance.variant;
  if (instance.track) {
    TrackConfig track;
    track.fall = instance.track->fall;
    track.rise = instance.track->rise;
    track.weight = instance.track->weight;
    config.track = track;
  }
  return config;
}

std::optional<AgentConfig> agent_config_for_node(const scenario::Scenario& scenario, const std::string& node_name,
                                                 std::string& error, std::uint16_t advert_port) {
  const scenario::Node* node = scenario.find_node(node_name);
  if (!node) {
    error = "the scenario has no node \"" + node_name + "\"";
    return std::nullopt;
  }
  AgentConfig config{node->name, node->address, advert_port, {}, {}};
  for (const auto& unit : scenario.units) {
    for (const auto& vip : unit.vips) {
      auto own = std::find_if(vip.priorities.begin(), vip.priorities.end(),
                              [&](const scenario::VipPriority& p) { return p.node == node_name; });
      if (own == vip.priorities.end()) continue;
      AgentInstance instance;
      instance.name = vip.name;
      instance.vrid = vip.vrid;
      instance.vips = {{vip.address, vip.port}};
      instance.priority = own->priority;
      instance.advert_interval = vip.advert_interval;
      instance.preempt = vip.preempt;
      instance.variant = vip.vrrp_version == 3 ? Variant::rfc5798 : Variant::keepalived_v2;
      for (const auto& other : vip.priorities) {
        const scenario::Node* peer = other.node == node_name ? nullptr : scenario.find_node(other.node);
        if (peer) instance.peers.push_back(peer->address);
      }
      if (vip.track_gateway) instance.track = AgentTrack{vip.track_gateway->interval, 1, 1, vip.track_gateway->weight};
      config.instances.push_back(std::move(instance));
    }
  }
  return config;
}

}  // namespace wsfo::vrrp
