#include "simulator/model/sim_world.hpp"

#include <algorithm>
#include <cmath>

#include "core/run/part_plan.hpp"
#include "core/scenario/client_population.hpp"
#include "core/clients/client_stream.hpp"
#include "core/util/random.hpp"
#include "core/vrrp/agent_config.hpp"

namespace wsfo::model {

namespace {

// "address:port", as gateway configs and the name map write it.
std::string endpoint(const std::string& address, std::uint16_t port) { return gateway::Endpoint{address, port}.text(); }

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void ClientTable::resize(std::size_t n) {
  router_id.resize(n);
  slot.resize(n);
  group.resize(n);
  state.resize(n, ClientState::idle);
  hops.resize(n);
  registered.resize(n);
  node.resize(n);
  via.resize(n);
  backend.resize(n);
  url.resize(n);
  vip.resize(n);
  token.resize(n);
  attempts.resize(n);
  failures.resize(n);
  since_ns.resize(n);
  stream.resize(n);
}

bool Route::up() const {
  return std::all_of(links.begin(), links.end(), [](const sg4::Link* l) { return l->is_on(); });
}

World::World(const scenario::Scenario& scenario, const SimOptions& options)
    : scenario_(scenario), current_(scenario), options_(options) {}

std::int64_t World::now_ns() { return std::llround(sg4::Engine::get_clock() * 1e9); }

std::uint64_t World::draw(std::uint32_t client) {
  util::SplitMix64 rng(clients_.stream[client]);
  const std::uint64_t value = rng.next();
  clients_.stream[client] = rng.state();
  return value;
}

void World::skip_draws(std::uint32_t client, std::uint32_t count) {
  while (count-- > 0) draw(client);
}

std::string World::prepare() {
  std::vector<std::string> args = {"wsfo-simulate", "--log=root.thres:critical", "--cfg=network/model:CM02"};
#if defined(__SANITIZE_ADDRESS__)
  // SimGrid's default contexts switch stacks without telling ASan, which then
  // reports a stack-buffer-overflow when an actor unwinds (Debian's SimGrid is
  // not built with the sanitizer annotations); one thread per actor is safe.
  args.push_back("--cfg=contexts/factory:thread");
#endif
  for (const auto& cfg : options_.simgrid_config) args.push_back("--cfg=" + cfg);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  try {
    engine_ = std::make_unique<sg4::Engine>(&argc, argv.data());
  } catch (const std::exception& e) {
    // SimGrid lists every key it knows after the first line: the first says which.
    std::string what = e.what();
    return "a --cfg item was refused by SimGrid: " + what.substr(0, what.find('\n'));
  }

  end_ns_ = scenario_.duration.count();
  if (auto error = build_platform(); !error.empty()) return error;
  if (auto error = build_gateways(); !error.empty()) return error;
  if (auto error = build_vrrp(); !error.empty()) return error;
  build_clients();
  traffic_ = std::make_unique<TrafficModel>(*this);
  return {};
}

std::string World::build_platform() {
  const scenario::Simulation sim = scenario::simulation_or_default(scenario_.simulation);
  auto* zone = sg4::create_full_zone("world");
  // Every host hangs on its own uplink (half the within-unit latency), so two
  // hosts of one unit see the within-unit latency; units are joined by a WAN
  // link that adds the rest of the between-units latency.
  auto add_host = [&](const std::string& name, std::size_t unit, double speed) {
    sg4::Host* host = zone->create_host(name, speed)->seal();
    sg4::Link* up = zone->create_link("up:" + name, sim.within_unit.bandwidth_mbps * 1e6 / 8)
                        ->set_latency(seconds(sim.within_unit.latency) / 2)
                        ->seal();
    host_unit_[host] = unit;
    host_uplink_[host] = up;
    return host;
  };
  auto add_backend_host = [&](const scenario::Backend& backend, std::size_t unit) {
    backends_.push_back({backend.name, unit, add_host("be:" + backend.name, unit, 1e9), backend.address, backend.port});
  };
  const std::size_t units = scenario_.units.size();
  unit_wan_.assign(units, std::vector<sg4::Link*>(units, nullptr));
  double wan_latency = std::max(0.0, seconds(sim.between_units.latency) - seconds(sim.within_unit.latency));
  for (std::size_t a = 0; a < units; ++a)
    for (std::size_t b = a + 1; b < units; ++b)
      unit_wan_[a][b] = unit_wan_[b][a] =
          zone->create_link("wan:" + scenario_.units[a].name + ":" + scenario_.units[b].name,
                            sim.between_units.bandwidth_mbps * 1e6 / 8)
              ->set_latency(wan_latency)
              ->seal();

  for (std::size_t u = 0; u < units; ++u) {
    const auto& unit = scenario_.units[u];
    for (const auto& node : unit.nodes) {
      GatewaySim g;
      g.node = node.name;
      g.unit = u;
      g.address = endpoint(node.address, node.port);
      g.host = add_host("gw:" + node.name, u, 1e9);  // 1 Gflop/s: a CPU second is 1e9 flops
      g.mailbox = sg4::Mailbox::by_name("gw:" + node.name);
      gateways_.push_back(std::move(g));
    }
    for (const auto& backend : unit.backends) add_backend_host(backend, u);
  }
  // Backends the timeline adds exist from the start; no route lists them before their add.
  for (const auto& event : scenario_.timeline) {
    const auto* add = std::get_if<scenario::BackendAdd>(&event.action);
    if (!add || backend_index(add->backend.name) < backends_.size()) continue;
    for (std::size_t u = 0; u < units; ++u)
      if (scenario_.units[u].name == add->unit) add_backend_host(add->backend, u);
  }
  std::size_t cname_unit = 0;
  for (std::size_t u = 0; u < units; ++u)
    if (scenario_.units[u].name == scenario_.domain.cname) cname_unit = u;
  orchestrator_ = add_host("orchestrator", cname_unit, 1e9);
  for (std::size_t g = 0; g < scenario_.clients.size(); ++g) {
    Region region;
    region.group = g;
    const auto& group = scenario_.clients[g];
    region.unit = cname_unit;  // a group sits where its url's host leads (the domain: its CNAME unit)
    for (std::size_t u = 0; u < units; ++u) {
      if (group.url.host == scenario_.units[u].subdomain) region.unit = u;
      for (const auto& node : scenario_.units[u].nodes)
        if (group.url.host == node.address) region.unit = u;
      for (const auto& vip : scenario_.units[u].vips)
        if (group.url.host == vip.address) region.unit = u;
    }
    region.host = add_host("clients:" + group.name, region.unit, 1e9);
    region.reconnect = clients::reconnect_spec(group.reconnect);
    std::string error;
    auto url = clients::parse_ws_url(group.url.text, error);
    region.url_text = url ? url->text() : group.url.text;
    region.url = static_cast<std::uint16_t>(urls_.intern(region.url_text));
    regions_.push_back(std::move(region));
  }

  // Routes: every pair of hosts, through their uplinks (and the WAN between units).
  std::vector<sg4::Host*> hosts;
  for (auto& [host, unit] : host_unit_) hosts.push_back(const_cast<sg4::Host*>(host));
  std::sort(hosts.begin(), hosts.end(), [](auto* a, auto* b) { return a->get_name() < b->get_name(); });
  for (std::size_t i = 0; i < hosts.size(); ++i)
    for (std::size_t j = i + 1; j < hosts.size(); ++j) {
      sg4::Host* a = hosts[i];
      sg4::Host* b = hosts[j];
      std::vector<sg4::LinkInRoute> links{sg4::LinkInRoute(host_uplink_[a])};
      std::size_t ua = host_unit_[a], ub = host_unit_[b];
      if (ua != ub) links.emplace_back(unit_wan_[ua][ub]);
      // Gateway pairs get their own link so a partition cuts exactly them.
      if (a->get_name().rfind("gw:", 0) == 0 && b->get_name().rfind("gw:", 0) == 0) {
        sg4::Link* pair =
            zone->create_link("pair:" + a->get_name() + ":" + b->get_name(), 1e12)->set_latency(0)->seal();
        pair_links_.push_back(pair);
        links.emplace_back(pair);
      }
      links.emplace_back(host_uplink_[b]);
      zone->add_route(a->get_netpoint(), b->get_netpoint(), nullptr, nullptr, links, true);
    }
  zone->seal();
  return {};
}

std::string World::build_gateways() {
  for (std::size_t u = 0; u < scenario_.units.size(); ++u)
    for (const auto& vip : scenario_.units[u].vips) vips_.push_back({vip.name, endpoint(vip.address, vip.port), u, {}});
  for (std::size_t g = 0; g < gateways_.size(); ++g) {
    if (auto error = configure_gateway(g); !error.empty()) return error;
    gateways_[g].rules.emplace(scenario_.rules);
  }
  return {};
}

// The config the live plan gives this node now, and the backend choice it
// implies: a fresh BackendPool, as a live reload swaps in.
std::string World::configure_gateway(std::size_t g) {
  GatewaySim& gw = gateways_[g];
  const auto& unit = current_.units[gw.unit];
  const scenario::Node* node = current_.find_node(gw.node);
  if (!node) return "gateway " + gw.node + ": not a node of the scenario";
  gw.config = run::gateway_config_for(current_, unit, *node, {});
  if (options_.max_connections) gw.config.limits.max_connections = *options_.max_connections;
  reset_choices(g);
  gw.route_backends.clear();
  for (const auto& route : gw.config.routes) {
    std::vector<std::uint16_t> indices;
    for (const auto& ep : route.backends)
      for (std::size_t b = 0; b < backends_.size(); ++b)
        if (backends_[b].address == ep.host && backends_[b].port == ep.port)
          indices.push_back(static_cast<std::uint16_t>(b));
    gw.route_backends.push_back(std::move(indices));
  }
  return {};
}

// Every node a VIP lists runs the agent the live plan embeds in its gateway.
std::string World::build_vrrp() {
  vrrp_.resize(gateways_.size());
  for (std::size_t g = 0; g < gateways_.size(); ++g) {
    std::string error;
    auto agent = vrrp::agent_config_for_node(scenario_, gateways_[g].node, error);
    if (!agent) return error;
    if (agent->instances.empty()) continue;
    for (const auto& instance : agent->instances)
      for (const auto& problem : vrrp::validate(vrrp::to_instance_config(*agent, instance)))
        return "VIP " + instance.name + " on " + gateways_[g].node + ": " + problem;
    vrrp_[g] = std::make_unique<NodeVrrpSim>(*this, g, std::move(*agent));
  }
  return {};
}

void World::reset_choices(std::size_t g) {
  GatewaySim& gw = gateways_[g];
  gw.pool.emplace(gw.config.routes, gw.config.limits.fail_timeout);
  gw.unit_gateways.clear();
  gw.unit_entries.clear();
  for (const auto& unit : gw.config.units) {
    if (unit.name == gw.config.unit || unit.gateways.empty()) continue;
    gw.unit_gateways.emplace(
        unit.name, gateway::BackendGroup(unit.gateways, gateway::Balance::round_robin, gw.config.limits.fail_timeout));
    auto& entries = gw.unit_entries[unit.name];
    for (const auto& ep : unit.gateways) {
      const std::string text = endpoint(ep.host, ep.port);
      UnitEntry entry;
      if (std::size_t v = vip_index(text); v < vips_.size()) entry.vip = static_cast<std::uint16_t>(v);
      for (std::size_t other = 0; other < gateways_.size(); ++other)
        if (gateways_[other].address == text) entry.node = static_cast<std::uint16_t>(other);
      entries.push_back(entry);
    }
  }
}

std::string World::reload_unit(const scenario::Scenario& reloaded, const std::string& unit) {
  current_ = reloaded;
  std::string errors;
  for (std::size_t g = 0; g < gateways_.size(); ++g)
    if (current_.units[gateways_[g].unit].name == unit)
      if (auto error = configure_gateway(g); !error.empty()) errors += (errors.empty() ? "" : "; ") + error;
  return errors;
}

void World::build_clients() {
  auto population = scenario::expand_population(scenario_);
  clients_.resize(population.size());
  std::vector<std::size_t> per_group(scenario_.clients.size(), 0);
  for (const auto& m : population) ++per_group[m.group];
  Duration ramp = options_.ramp.value_or(
      Duration(static_cast<std::int64_t>(static_cast<double>(population.size()) / 20000.0 * 1e9)));
  std::vector<std::size_t> seen(scenario_.clients.size(), 0);
  std::vector<std::size_t> position(scenario_.clients.size(), 0);
  for (std::size_t i = 0; i < population.size(); ++i) {
    const auto& m = population[i];
    clients_.router_id[i] = m.router_id;
    clients_.stream[i] =
        clients::client_stream_seed(options_.seed, m.router_id, clients::index_in_process(position[m.group]++));
    clients_.slot[i] = routing::slot_of(m.router_id, scenario_.rules.modulus());
    clients_.group[i] = static_cast<std::uint16_t>(m.group);
    record_.population.push_back(m.router_id);
    if (!scenario_.clients[m.group].connect_at_start) continue;
    std::int64_t at = per_group[m.group] > 1 ? ramp.count() / static_cast<std::int64_t>(per_group[m.group]) *
                                                   static_cast<std::int64_t>(seen[m.group]++)
                                             : 0;
    SimEvent start;
    start.t_ns = at;
    start.client = static_cast<std::uint32_t>(i);
    start.type = EventType::start;
    push(regions_[m.group], start);
  }
}

void World::run() {
  for (std::size_t g = 0; g < gateways_.size(); ++g) {
    start_gateway_actor(g);
    start_vrrp_actor(g);
  }
  for (std::size_t r = 0; r < regions_.size(); ++r) {
    regions_[r].mutex = sg4::Mutex::create();
    regions_[r].wake = sg4::ConditionVariable::create();
    regions_[r].outgoing.assign(gateways_.size(), {});
    sg4::Actor::create("region:" + scenario_.clients[r].name, regions_[r].host, [this, r] { region_actor(*this, r); });
  }
  sg4::Actor::create("timeline", orchestrator_, [this] { timeline_actor(*this); });
  sg4::Actor::create("traffic", orchestrator_, [this] { traffic_->run(); })->daemonize();
  engine_->run();
}

void World::start_gateway_actor(std::size_t g) {
  auto actor =
      sg4::Actor::create("gateway:" + gateways_[g].node, gateways_[g].host, [this, g] { gateway_actor(*this, g); });
  actor->daemonize();
  gateways_[g].mailbox->set_receiver(actor);
}

void World::start_vrrp_actor(std::size_t g) {
  if (!vrrp_[g]) return;
  sg4::Actor::create("vrrp:" + gateways_[g].node, gateways_[g].host, [this, g] { vrrp_[g]->run(); })->daemonize();
}

void World::record_agent_event(history::Event event) {
  LogRecord r;
  r.t_ns = event.t_ns;
  r.client = static_cast<std::uint32_t>(agent_events_.size());
  r.kind = LogKind::agent;
  agent_events_.push_back(std::move(event));
  log_.push_back(r);
}

std::size_t World::vip_index(const std::string& endpoint) const {
  for (std::size_t v = 0; v < vips_.size(); ++v)
    if (vips_[v].endpoint == endpoint) return v;
  return vips_.size();
}

bool World::take_vip(std::size_t vip, std::size_t gateway) {
  auto& holder = vips_[vip].holder;
  if (holder && *holder != gateway) return false;  // "address in use"
  holder = static_cast<std::uint16_t>(gateway);
  release_powered_off_orphans(vip);
  return true;
}

void World::push(Region& region, SimEvent event) {
  event.seq = region.next_seq++;
  bool earlier = event.t_ns < region.planned_wake_ns;
  region.queue.push(event);
  if (earlier && region.wake) region.wake->notify_all();
}

void World::finish() {
  finished_ = true;
  for (auto& region : regions_)
    if (region.wake) region.wake->notify_all();
}

const Route& World::route(const sg4::Host* a, const sg4::Host* b) {
  auto key = std::make_pair(a, b);
  auto it = routes_.find(key);
  if (it != routes_.end()) return it->second;
  Route r;
  double latency = 0;
  a->route_to(b, r.links, &latency);
  r.latency_ns = std::llround(latency * 1e9);
  return routes_.emplace(key, std::move(r)).first->second;
}

const HopTarget& World::hop_target(std::uint16_t url) {
  auto it = hop_targets_.find(url);
  if (it != hop_targets_.end()) return it->second;
  HopTarget target;
  std::string error;
  if (auto parsed = clients::parse_ws_url(urls_.at(url), error)) target.url = *parsed;
  const std::string& host = target.url.host;
  // A unit's name leads to its VIPs when it has any, as the live plan's
  // resolver maps it, otherwise to its nodes.
  for (std::size_t u = 0; u < scenario_.units.size(); ++u) {
    const auto& unit = scenario_.units[u];
    const bool by_name =
        host == unit.subdomain || (host == scenario_.domain.name && unit.name == scenario_.domain.cname);
    for (std::size_t v = 0; v < vips_.size(); ++v)
      if (vips_[v].unit == u && (by_name || vips_[v].endpoint == endpoint(host, target.url.port)))
        target.vips.push_back(static_cast<std::uint16_t>(v));
    for (std::size_t g = 0; g < gateways_.size(); ++g)
      if (gateways_[g].unit == u &&
          ((by_name && unit.vips.empty()) || gateways_[g].address == endpoint(host, target.url.port)))
        target.nodes.push_back(static_cast<std::uint16_t>(g));
  }
  return hop_targets_.emplace(url, std::move(target)).first->second;
}

std::size_t World::gateway_index(const std::string& node) const {
  for (std::size_t g = 0; g < gateways_.size(); ++g)
    if (gateways_[g].node == node) return g;
  return gateways_.size();
}

std::uint16_t World::first_node_of(std::size_t unit) const {
  for (std::size_t g = 0; g < gateways_.size(); ++g)
    if (gateways_[g].unit == unit) return static_cast<std::uint16_t>(g);
  return 0;
}

std::size_t World::backend_index(const std::string& name) const {
  for (std::size_t b = 0; b < backends_.size(); ++b)
    if (backends_[b].name == name) return b;
  return backends_.size();
}

LogNames World::log_names() const {
  LogNames names;
  names.router_ids = clients_.router_id;
  names.client_group = clients_.group;
  for (const auto& group : scenario_.clients) names.group_names.push_back(group.name);
  for (const auto& g : gateways_) {
    names.node_names.push_back(g.node);
    names.node_units.push_back(scenario_.units[g.unit].name);
    names.node_addresses.push_back(g.address);
  }
  for (const auto& b : backends_) {
    names.backend_labels.push_back(scenario_.units[b.unit].label);
    names.backend_names.push_back(b.name);
  }
  for (const auto& event : scenario_.timeline) names.action_names.push_back(scenario::action_name(event.action));
  for (const auto& vip : vips_) names.vip_addresses.push_back(vip.endpoint);
  names.urls = &urls_;
  names.texts = &texts_;
  return names;
}

}  // namespace wsfo::model
