#include "core/checks/expectation_verdicts.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/checks/event_fields.hpp"
#include "core/checks/id_ranges.hpp"
#include "core/checks/silent_connections.hpp"
#include "core/checks/split_brain.hpp"
#include "core/json/json_reader.hpp"

namespace wsfo::checks {

namespace {

// A measured duration, as the reports print them ("1822.7 ms"):
// json::format_duration spells scenario durations and would give raw ns.
std::string measured(std::chrono::nanoseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(d.count()) / 1e6);
  return text;
}

std::vector<std::uint64_t> difference(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::vector<std::uint64_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::string describe_spans(const std::vector<scenario::SlotSpan>& spans) {
  std::string out;
  for (const auto& span : spans)
    out += (out.empty() ? "" : ", ") + std::to_string(span.first) + "-" + std::to_string(span.last);
  return out;
}

Verdict judge_disconnected(const scenario::DisconnectExpectation& expectation, const WindowFacts& facts,
                           std::span<const std::uint64_t> population, std::uint32_t modulus) {
  Verdict verdict;
  verdict.check = "disconnected";
  verdict.actual = std::to_string(facts.disconnected.size()) + " routerIds: " + format_ids(facts.disconnected);
  std::optional<std::vector<std::uint64_t>> exact;
  if (std::holds_alternative<scenario::DisconnectNone>(expectation)) {
    exact.emplace();
    verdict.expected = "none";
  } else if (auto* list = std::get_if<scenario::DisconnectRouterIds>(&expectation)) {
    exact = list->ids;
    verdict.expected = "routerIds " + format_ids(list->ids);
  } else if (auto* slots = std::get_if<scenario::DisconnectSlots>(&expectation)) {
    exact.emplace();
    for (std::uint64_t id : population) {
      std::uint32_t slot = routing::slot_of(id, modulus);
      if (std::any_of(slots->spans.begin(), slots->spans.end(), [&](auto& s) { return s.contains(slot); }))
        exact->push_back(id);
    }
    verdict.expected = "the " + std::to_string(exact->size()) + " clients in slots " + describe_spans(slots->spans);
  } else {
    const auto& count = std::get<scenario::DisconnectCount>(expectation);
    verdict.expected = "between " + std::to_string(count.min) + " and " + std::to_string(count.max) + " routerIds";
    bool ok = facts.disconnected.size() >= count.min && facts.disconnected.size() <= count.max;
    verdict.status = ok ? Status::pass : Status::fail;
    return verdict;
  }
  std::sort(exact->begin(), exact->end());
  exact->erase(std::unique(exact->begin(), exact->end()), exact->end());
  auto missing = difference(*exact, facts.disconnected);
  auto unexpected = difference(facts.disconnected, *exact);
  verdict.status = missing.empty() && unexpected.empty() ? Status::pass : Status::fail;
  if (!missing.empty()) verdict.evidence += "expected but stayed connected: " + format_ids(missing);
  if (!unexpected.empty())
    verdict.evidence +=
        std::string(verdict.evidence.empty() ? "" : "; ") + "disconnected unexpectedly: " + format_ids(unexpected);
  return verdict;
}

Verdict judge_reconnect(std::chrono::nanoseconds bound, const WindowFacts& facts) {
  Verdict verdict{
      0, "reconnect-within", Status::pass, "every disconnected client back within " + json::format_duration(bound), "",
      ""};
  std::vector<std::uint64_t> late, never;
  for (const auto& r : facts.reconnects) {
    if (!r.connected_ns)
      never.push_back(r.router_id);
    else if (*r.connected_ns - r.disconnected_ns > bound.count())
      late.push_back(r.router_id);
  }
  verdict.actual = "max " + measured(facts.reconnect_latency.max()) + " over " +
                   std::to_string(facts.reconnect_latency.count()) + " reconnects";
  if (!late.empty()) verdict.evidence = "late: " + format_ids(late);
  if (!never.empty())
    verdict.evidence += std::string(verdict.evidence.empty() ? "" : "; ") + "never reconnected: " + format_ids(never);
  if (!late.empty() || !never.empty()) verdict.status = Status::fail;
  return verdict;
}

Verdict judge_land_in(const std::string& unit, const WindowFacts& facts) {
  Verdict verdict{0, "land-in", Status::pass, "disconnected clients land in " + unit, "", ""};
  std::map<std::string, std::vector<std::uint64_t>> elsewhere;
  std::size_t landed = 0;
  for (const auto& r : facts.reconnects) {
    if (!r.connected_ns)
      elsewhere["(not reconnected)"].push_back(r.router_id);
    else if (r.unit != unit)
      elsewhere[r.unit].push_back(r.router_id);
    else
      ++landed;
  }
  verdict.actual = std::to_string(landed) + " of " + std::to_string(facts.reconnects.size()) + " in " + unit;
  for (const auto& [where, ids] : elsewhere) {
    verdict.status = Status::fail;
    verdict.evidence += (verdict.evidence.empty() ? "" : "; ") + where + ": " + format_ids(ids);
  }
  return verdict;
}

Verdict judge_vip(const scenario::VipExpectation& expectation, const EventWindow& window,
                  std::span<const history::Event> history) {
  Verdict verdict{
      0,
      "vip",
      Status::unknown,
      expectation.vip + " held by " + expectation.holder + " within " + json::format_duration(expectation.within),
      "",
      ""};
  std::int64_t deadline = window.start_ns + expectation.within.count();
  // In a split brain two nodes are MASTER, but only one can bind the address
  // (the other reports vip-bind-failed): the holder is the newest master that
  // binds. A killed node emits nothing, so its last MASTER lingers here.
  struct Master {
    std::int64_t since_ns = 0;
    bool bound = true;
  };
  std::map<std::string, Master> masters;
  bool seen = false;
  for (const auto& event : history) {
    if (event.t_ns > deadline) break;
    if (field_string(event, "instance") != expectation.vip) continue;
    std::string node = field_string(event, "node");
    auto master = masters.find(node);
    if (event.kind == "vip-bind-failed" && master != masters.end()) master->second.bound = false;
    if (event.kind == "vip-bound" && master != masters.end()) master->second.bound = true;
    if (event.kind != "vip") continue;
    seen = true;
    if (field_string(event, "to") == "MASTER")
      masters[node] = Master{event.t_ns, true};
    else
      masters.erase(node);
  }
  std::string holder;
  std::int64_t taken_at = 0;
  for (const auto& [node, master] : masters)
    if (master.bound && (holder.empty() || master.since_ns > taken_at)) holder = node, taken_at = master.since_ns;
  if (!seen) {
    verdict.evidence = "no VRRP events for " + expectation.vip + " in the history";
    return verdict;
  }
  verdict.actual = holder.empty() ? "no holder"
                                  : holder + " (since " + std::to_string((taken_at - window.start_ns) / 1000000) +
                                        " ms after the event)";
  verdict.status = holder == expectation.holder ? Status::pass : Status::fail;
  return verdict;
}

Verdict judge_cutover(const std::string& expected, const EventWindow& window) {
  Verdict verdict{0, "cutover", Status::unknown, "cutover " + expected, "", ""};
  if (!window.cutover_outcome) {
    verdict.evidence = "no cutover was played at this event";
    return verdict;
  }
  verdict.actual = *window.cutover_outcome;
  verdict.status = *window.cutover_outcome == expected ? Status::pass : Status::fail;
  return verdict;
}

Verdict judge_same_version(const EventWindow& window) {
  Verdict verdict{0, "same-version", Status::unknown, "every gateway on one rules version after the event", "", ""};
  if (window.versions_after.empty()) {
    verdict.evidence = "the gateways' versions were not collected";
    return verdict;
  }
  std::map<std::uint64_t, std::vector<std::string>> by_version;
  std::vector<std::string> silent;
  for (const auto& [node, version] : window.versions_after) {
    if (version)
      by_version[*version].push_back(node);
    else
      silent.push_back(node);
  }
  for (const auto& [version, nodes] : by_version) {
    verdict.actual += (verdict.actual.empty() ? "" : "; ") + std::string("v") + std::to_string(version) + ":";
    for (const auto& node : nodes) verdict.actual += " " + node;
  }
  if (!silent.empty()) {
    verdict.actual += std::string(verdict.actual.empty() ? "" : "; ") + "no answer:";
    for (const auto& node : silent) verdict.actual += " " + node;
  }
  verdict.status = by_version.size() == 1 && silent.empty() ? Status::pass : Status::fail;
  return verdict;
}

Verdict judge_detects(const std::vector<std::string>& anomalies, const WindowFacts& facts) {
  Verdict verdict{0, "detects", Status::fail, "", "", ""};
  for (const auto& a : anomalies) verdict.expected += (verdict.expected.empty() ? "" : " or ") + a;
  verdict.expected += " detected";
  verdict.actual =
      std::to_string(facts.bounces.size()) + " bounces, " + std::to_string(facts.dual_service.size()) + " dual service";
  bool want_bounce = std::find(anomalies.begin(), anomalies.end(), "bounce") != anomalies.end();
  bool want_dual = std::find(anomalies.begin(), anomalies.end(), "dual_service") != anomalies.end();
  if ((want_bounce && !facts.bounces.empty()) || (want_dual && !facts.dual_service.empty()))
    verdict.status = Status::pass;
  std::vector<std::uint64_t> ids;
  for (const auto& b : facts.bounces) ids.push_back(b.router_id);
  std::sort(ids.begin(), ids.end());
  if (!ids.empty())
    verdict.evidence = "bounced: " + format_ids(ids) + " (first: routerId " +
                       std::to_string(facts.bounces.front().router_id) + " " + facts.bounces.front().evidence + ")";
  ids.clear();
  for (const auto& d : facts.dual_service) ids.push_back(d.router_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (!ids.empty())
    verdict.evidence += std::string(verdict.evidence.empty() ? "" : "; ") + "served twice: " + format_ids(ids);
  return verdict;
}

Verdict judge_reach_backends(const std::vector<std::string>& names, const WindowFacts& facts) {
  Verdict verdict{0, "reach-backends", Status::pass, "", "", ""};
  for (const auto& name : names) {
    verdict.expected += (verdict.expected.empty() ? "new connections reach " : ", ") + name;
    if (facts.opened_by_backend.count(name)) continue;
    verdict.status = Status::fail;
    verdict.evidence += (verdict.evidence.empty() ? "never reached: " : ", ") + name;
  }
  for (const auto& [backend, count] : facts.opened_by_backend)
    verdict.actual += (verdict.actual.empty() ? "" : ", ") + backend + ": " + std::to_string(count);
  if (verdict.actual.empty()) verdict.actual = "no connection named its backend";
  return verdict;
}

}  // namespace

Verdict judge_dead_connections(const scenario::DeadConnectionExpectation& expected, const EventWindow& window,
                               const std::vector<SilentWindow>& silent) {
  Verdict verdict{0, "dead-connections", Status::fail,
                  expected.group + "'s clients on a dead connection " +
                      (expected.noticed_within ? "notice within " + json::format_duration(*expected.noticed_within)
                                               : std::string("never notice before the next event")),
                  "", ""};
  const SilentGroup* group = nullptr;
  for (const auto& w : silent)
    if (w.window == 0)
      for (const auto& g : w.groups)
        if (g.group == expected.group) group = &g;
  if (!group || group->affected == 0) {
    verdict.actual = "none of " + expected.group + "'s clients was on a node, via a VIP, when the VIP left it";
    return verdict;
  }
  const std::uint64_t noticed = group->noticed_at_once + group->noticed_later;
  verdict.actual = std::to_string(group->affected) + " on a dead connection: " + std::to_string(noticed) +
                   " noticed" +
                   (group->delay.count() ? " (max " + json::format_duration(group->delay.max()) + ")" : "") + ", " +
                   std::to_string(group->not_noticed) + " not by " + window.name + "'s end";
  verdict.status = expected.noticed_within
                       ? (group->not_noticed == 0 && group->delay.max() <= *expected.noticed_within ? Status::pass
                                                                                                     : Status::fail)
                       : (noticed == 0 ? Status::pass : Status::fail);
  return verdict;
}

void judge_window(const EventWindow& window, const WindowFacts& facts, std::span<const history::Event> history,
                  std::span<const SplitBrain> split_brains, std::span<const std::uint64_t> population,
                  std::uint32_t modulus, std::vector<Verdict>& out) {
  const scenario::Expectation& expect = window.expect;
  auto add = [&](Verdict verdict) {
    verdict.event = window.index;
    out.push_back(std::move(verdict));
  };
  if (expect.disconnected) add(judge_disconnected(*expect.disconnected, facts, population, modulus));
  if (expect.reconnect_within) add(judge_reconnect(*expect.reconnect_within, facts));
  if (expect.land_in) add(judge_land_in(*expect.land_in, facts));
  if (expect.messages_lost_max) {
    bool ok = facts.messages_lost <= *expect.messages_lost_max;
    add({0, "messages-lost", ok ? Status::pass : Status::fail, "at most " + std::to_string(*expect.messages_lost_max),
         std::to_string(facts.messages_lost), ""});
  }
  if (expect.no_dual_service) {
    Verdict verdict{0,
                    "no-dual-service",
                    facts.dual_service.empty() ? Status::pass : Status::fail,
                    "no routerId served by two units at once",
                    std::to_string(facts.dual_service.size()) + " occurrences",
                    ""};
    std::vector<std::uint64_t> ids;
    for (const auto& d : facts.dual_service) ids.push_back(d.router_id);
    if (!ids.empty()) verdict.evidence = "served twice: " + format_ids(ids);
    add(std::move(verdict));
  }
  if (expect.no_redirect_loop)
    add({0, "no-redirect-loop", facts.redirect_loops == 0 ? Status::pass : Status::fail, "no redirect loop",
         std::to_string(facts.redirect_loops) + " loops", ""});
  for (const auto& vip : expect.vips) add(judge_vip(vip, window, history));
  if (expect.cutover) add(judge_cutover(*expect.cutover, window));
  if (expect.same_version) add(judge_same_version(window));
  if (!expect.detects.empty()) add(judge_detects(expect.detects, facts));
  if (!expect.reach_backends.empty()) add(judge_reach_backends(expect.reach_backends, facts));
  if (!expect.dead_connections.empty()) {
    const auto silent = find_silent_connections(history, std::span<const EventWindow>(&window, 1));
    for (const auto& dead : expect.dead_connections) add(judge_dead_connections(dead, window, silent));
  }
  if (expect.split_brain) add(judge_split_brain(*expect.split_brain, window, split_brains, history));
  // A timeline action that failed makes the run fail even without an expectation on it.
  if (!window.action_error.empty())
    add({0, "action", Status::fail, window.name + " performed", window.action_error, ""});
}

}  // namespace wsfo::checks
