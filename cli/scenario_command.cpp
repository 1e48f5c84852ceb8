// `wsfo scenario check FILE`: validate a scenario file and summarise it.
#include <iostream>
#include <limits>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/descriptor_limit.hpp"
#include "core/routing/rule_diff.hpp"
#include "core/run/descriptor_budget.hpp"
#include "core/scenario/client_population.hpp"
#include "core/scenario/scenario_loader.hpp"

namespace wsfo::cli {

namespace {

using json::format_duration;
using namespace scenario;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

template <class Items, class Show>
std::string join(const Items& items, Show show, const std::string& separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + show(item);
  return out;
}

std::string show_vip(const Vip& vip) {
  std::string out =
      vip.name + " " + vip.address + ":" + std::to_string(vip.port) + " vrid " + std::to_string(vip.vrid) + " VRRPv" +
      std::to_string(vip.vrrp_version) + " advert " + format_duration(vip.advert_interval) +
      (vip.preempt ? " preempt" : " nopreempt") + ", priorities " +
      join(vip.priorities, [](const VipPriority& p) { return p.node + "=" + std::to_string(p.priority); });
  if (vip.track_gateway)
    out += ", gateway tracked every " + format_duration(vip.track_gateway->interval) +
           (vip.track_gateway->weight == 0 ? " (fault on failure)"
                                           : " (weight " + std::to_string(vip.track_gateway->weight) + ")");
  return out;
}

void print_unit(std::ostream& out, const Unit& unit) {
  out << "  " << unit.name << " (" << unit.label << "): " << unit.subdomain << ", public URL " << unit.public_url
      << "\n";
  for (const Node& n : unit.nodes)
    out << "    node " << n.name << " " << n.address << ":" << n.port << " (admin " << n.admin_port << ")\n";
  for (const Vip& vip : unit.vips) out << "    VIP " << show_vip(vip) << "\n";
  for (const Backend& b : unit.backends) out << "    backend " << b.name << " " << b.address << ":" << b.port << "\n";
  for (const Route& r : unit.routes)
    out << "    route " << r.prefix << " -> " << join(r.backends, [](const std::string& s) { return s; }) << " ("
        << (r.balance == Balance::round_robin ? "round-robin" : "router-id-hash") << ")\n";
}

std::string show_router_ids(const RouterIdSpec& spec) {
  return std::visit(
      Overloaded{
          [](const RouterIdList& l) {
            return "routerIds " + join(l.ids, [](std::uint64_t id) { return std::to_string(id); });
          },
          [](const RouterIdRange& r) { return "routerIds " + std::to_string(r.from) + "-" + std::to_string(r.to); },
          [](const RouterIdRandom& r) {
            return "random routerIds in [" + std::to_string(r.from) + ", " + std::to_string(r.to) + "], seed " +
                   std::to_string(r.seed);
          },
      },
      spec);
}

std::string show_reconnect(const ReconnectPolicy& policy) {
  return std::visit(Overloaded{
                        [](const FixedReconnect& f) { return "reconnect after " + format_duration(f.delay); },
                        [](const BackoffReconnect& b) {
                          std::ostringstream jitter;
                          jitter << b.jitter;
                          return "reconnect with backoff " + format_duration(b.base) + " .. " + format_duration(b.cap) +
                                 ", jitter " + jitter.str();
                        },
                    },
                    policy);
}

void print_group(std::ostream& out, const ClientGroup& g) {
  out << "  " << g.name << ": " << count_of(g.router_ids) << " clients, " << show_router_ids(g.router_ids) << "\n"
      << "    " << g.url.text << ", routerId in " << routing::to_string(g.mode) << ", " << show_reconnect(g.reconnect);
  if (g.heartbeat)
    out << ", heartbeat every " << format_duration(g.heartbeat->interval) << " (timeout "
        << format_duration(g.heartbeat->timeout) << ")";
  if (g.browser)
    out << ", as a browser (Origin header, no redirect followed)";
  else
    out << ", at most " << g.max_redirects << " redirects";
  out << (g.connect_at_start ? "" : ", connects on clients-add") << "\n";
}

// How many clients of the population fall in the expected slot spans.
std::uint64_t clients_in_slots(const std::vector<PopulationMember>& population, const DisconnectSlots& slots,
                               std::uint32_t modulus) {
  std::uint64_t n = 0;
  for (const PopulationMember& m : population) {
    std::uint32_t slot = routing::slot_of(m.router_id, modulus);
    for (const SlotSpan& span : slots.spans)
      if (span.contains(slot)) {
        ++n;
        break;
      }
  }
  return n;
}

std::string show_disconnected(const DisconnectExpectation& d, const std::vector<PopulationMember>& population,
                              std::uint32_t modulus) {
  return std::visit(
      Overloaded{
          [](const DisconnectNone&) { return std::string("no client disconnects"); },
          [](const DisconnectRouterIds& ids) {
            return "exactly routerIds " + join(ids.ids, [](std::uint64_t id) { return std::to_string(id); }) +
                   " disconnect";
          },
          [&](const DisconnectSlots& s) {
            return "exactly the clients in slots " +
                   join(s.spans,
                        [](const SlotSpan& span) {
                          return std::to_string(span.first) + "-" + std::to_string(span.last);
                        }) +
                   " disconnect (" + std::to_string(clients_in_slots(population, s, modulus)) + " of the population)";
          },
          [](const DisconnectCount& c) {
            if (c.min == c.max) return "exactly " + std::to_string(c.min) + " clients disconnect";
            if (c.max == static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
              return "at least " + std::to_string(c.min) + " clients disconnect";
            return "between " + std::to_string(c.min) + " and " + std::to_string(c.max) + " clients disconnect";
          },
      },
      d);
}

std::vector<std::string> expectation_lines(const Expectation& e, const std::vector<PopulationMember>& population,
                                           std::uint32_t modulus) {
  std::vector<std::string> lines;
  if (e.disconnected) lines.push_back(show_disconnected(*e.disconnected, population, modulus));
  if (e.reconnect_within) lines.push_back("they reconnect within " + format_duration(*e.reconnect_within));
  if (e.land_in) lines.push_back("they land in unit " + *e.land_in);
  if (e.messages_lost_max) lines.push_back("at most " + std::to_string(*e.messages_lost_max) + " messages lost");
  if (e.no_dual_service) lines.push_back("no routerId is served by two units");
  if (e.no_redirect_loop) lines.push_back("no redirect loop");
  for (const VipExpectation& v : e.vips)
    lines.push_back(v.vip + " is held by " + v.holder + " within " + format_duration(v.within));
  if (e.split_brain)
    lines.push_back(*e.split_brain ? "two nodes are MASTER for one VIP at once (split brain)"
                                   : "never two nodes MASTER for one VIP at once");
  return lines;
}

std::string show_action(const Action& action, const routing::RuleSet& before) {
  return std::visit(
      Overloaded{
          [&](const Cutover& c) {
            routing::RuleDiff diff(before, c.rules);
            std::string out = "cutover to rules v" + std::to_string(c.rules.version()) +
                              (c.fence ? " with fence, catch-up " + format_duration(c.catch_up)
                                       : " without fence, skew " + format_duration(c.skew));
            for (const auto& m : diff.moved())
              out += "; slots " + std::to_string(m.first) + "-" + std::to_string(m.last) + " move from " + m.from_unit +
                     " to " + m.to_unit;
            for (const auto& name : c.skip) out += "; pre-check " + name + " skipped";
            if (c.step_deadline) out += "; step deadline " + format_duration(*c.step_deadline);
            return out;
          },
          [](const KillNode& a) { return "kill node " + a.node; },
          [](const PowerOff& a) { return "power off node " + a.node; },
          [](const StopGateway& a) { return "stop the gateway of " + a.node; },
          [](const StartGateway& a) { return "start the gateway of " + a.node; },
          [](const RestoreNode& a) { return "restore node " + a.node; },
          [](const BackendKill& a) { return "kill backend " + a.backend; },
          [](const BackendRestore& a) { return "restore backend " + a.backend; },
          [](const BackendAdd& a) {
            return "add backend " + a.backend.name + " " + a.backend.address + ":" + std::to_string(a.backend.port) +
                   " to unit " + a.unit + (a.route ? " route " + *a.route : " (every route)");
          },
          [](const BackendRemove& a) {
            return "remove backend " + a.backend + " from unit " + a.unit + (a.route ? " route " + *a.route : "");
          },
          [](const Partition& a) { return "partition " + a.a + " from " + a.b; },
          [](const Heal& a) { return "heal " + a.a + " and " + a.b; },
          [](const ClientsAdd& a) { return "connect client group " + a.group; },
          [](const AdminUnreachable& a) { return "make the admin API of " + a.node + " unreachable"; },
          [](const AdminSlow& a) { return "slow the admin API of " + a.node + " by " + format_duration(a.delay); },
          [](const AdminRestore& a) { return "restore the admin API of " + a.node; },
          [](const Wait&) { return std::string("wait"); },
      },
      action);
}

void print_summary(std::ostream& out, const Scenario& s) {
  out << "scenario " << s.name << ": valid\n";
  if (!s.description.empty()) out << "  " << s.description << "\n";
  out << "duration " << format_duration(s.duration) << "\n";
  if (s.tls)
    out << "tls: wss:// end to end (the run makes a throw-away CA and one certificate per gateway node)\n";
  const Unit* target = s.find_unit(s.domain.cname);
  out << "domain " << s.domain.name << " CNAME " << target->subdomain << " (unit " << target->name << ")\n";
  const auto& policy = s.gateway.router_id;
  auto correction_name = [](Correction c) { return c == Correction::redirect ? "redirect" : "proxy"; };
  out << "gateway: correction " << correction_name(s.gateway.correction);
  if (s.gateway.browser_correction) out << " (browsers: " << correction_name(*s.gateway.browser_correction) << ")";
  out << ", routerId from " << join(policy.sources, [](auto src) { return std::string(routing::to_string(src)); })
      << ", missing routerId: "
      << (policy.missing.kind == MissingRouterIdPolicy::Kind::local    ? "local"
          : policy.missing.kind == MissingRouterIdPolicy::Kind::reject ? "reject"
                                                                       : "unit " + policy.missing.unit)
      << ", modulus " << policy.modulus << "\n";
  std::size_t nodes = 0, vips = 0, backends = 0;
  for (const Unit& u : s.units) nodes += u.nodes.size(), vips += u.vips.size(), backends += u.backends.size();
  out << "units " << s.units.size() << ", nodes " << nodes << ", VIPs " << vips << ", backends " << backends << ":\n";
  for (const Unit& u : s.units) print_unit(out, u);
  out << "rules v" << s.rules.version() << " (modulus " << s.rules.modulus() << "):\n";
  for (const auto& r : s.rules.ranges()) out << "  " << routing::describe(r) << "\n";
  out << "clients " << s.client_count() << " in " << s.clients.size() << " groups:\n";
  for (const ClientGroup& g : s.clients) print_group(out, g);
  out << "timeline, " << s.timeline.size() << " events:\n";
  auto population = expand_population(s);
  routing::RuleSet rules = s.rules;
  for (const TimelineEvent& e : s.timeline) {
    out << "  at " << format_duration(e.at) << ": " << show_action(e.action, rules) << "\n";
    if (const auto* cutover = std::get_if<Cutover>(&e.action)) rules = cutover->rules;
    for (const std::string& line : expectation_lines(e.expect, population, s.rules.modulus()))
      out << "    expect: " << line << "\n";
  }
  if (s.simulation)
    out << "simulation: within a unit " << format_duration(s.simulation->within_unit.latency) << " / "
        << s.simulation->within_unit.bandwidth_mbps << " Mbps, between units "
        << format_duration(s.simulation->between_units.latency) << " / " << s.simulation->between_units.bandwidth_mbps
        << " Mbps, gateway CPU " << format_duration(s.simulation->handshake_cpu) << " per handshake, "
        << format_duration(s.simulation->message_cpu) << " per message"
        << (s.tls ? ", " + format_duration(s.simulation->tls_handshake_cpu) + " more per TLS handshake" : "") << "\n";
}

// The largest descriptor needs of a live run on this machine; a scenario too
// big for them stays valid (the model plays it) and says so.
void print_descriptors(std::ostream& out, const Scenario& s) {
  if (s.stack.kind != StackKind::wsfo) return;
  const run::DescriptorBudget budget = run::descriptor_budget(s, part_descriptor_limit());
  out << "descriptors live, each process may open " << budget.limit << " (ulimit -n):\n";
  for (auto kind : {run::DescriptorNeed::Kind::gateway, run::DescriptorNeed::Kind::backend})
    if (const run::DescriptorNeed* worst = budget.worst(kind)) out << "  largest: " << run::describe(*worst) << "\n";
  if (auto refusal = run::refusal(budget); !refusal.empty()) out << "  wsfo run refuses it here: " << refusal << "\n";
}

int scenario_check(const std::string& path) {
  LoadedScenario loaded = load_scenario_file(path);
  if (loaded.unreadable) {
    std::cerr << "cannot read scenario file '" << path << "'\n";
    return kIoError;
  }
  if (!loaded.scenario) {
    for (const auto& p : loaded.problems.list()) std::cerr << path << ": " << json::format(p) << "\n";
    std::cerr << path << ": invalid scenario (" << loaded.problems.list().size() << " problem"
              << (loaded.problems.list().size() == 1 ? "" : "s") << ")\n";
    return kCheckFailed;
  }
  print_summary(std::cout, *loaded.scenario);
  print_descriptors(std::cout, *loaded.scenario);
  return kOk;
}

}  // namespace

void add_scenario_commands(CLI::App& app, int& exit_code) {
  auto* scenario = app.add_subcommand("scenario", "Work with scenario files (DESIGN.md section 3)");
  scenario->require_subcommand(1);
  auto* check = scenario->add_subcommand("check", "Validate a scenario file and print a summary of it");
  static std::string path;
  check->add_option("FILE", path, "Scenario file (JSON, see scenarios/schema.json)")->required();
  check->footer(
      "Exit codes:\n"
      "  0  the scenario is valid (a summary is printed on stdout)\n"
      "  1  the scenario is invalid (each problem is printed on stderr with its JSON pointer)\n"
      "  2  usage error (bad flags or arguments)\n"
      "  3  the file cannot be read");
  check->callback([&exit_code] { exit_code = scenario_check(path); });
}

}  // namespace wsfo::cli
