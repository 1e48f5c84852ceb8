#include "core/checks/history_checks.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "core/checks/id_ranges.hpp"
#include "core/json/json_reader.hpp"

namespace wsfo::checks {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::unknown:
      return "unknown";
  }
  return "unknown";
}

bool Analysis::passed() const {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.status == Status::pass; });
}

int window_of(std::span<const EventWindow> windows, std::int64_t t_ns) {
  int found = -1;
  for (std::size_t i = 0; i < windows.size(); ++i)
    if (windows[i].start_ns <= t_ns) found = static_cast<int>(i);
  return found;
}

namespace {

std::string field_string(const history::Event& event, const char* name) {
  auto it = event.fields.find(name);
  return it != event.fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t field_unsigned(const history::Event& event, const char* name) {
  auto it = event.fields.find(name);
  if (it == event.fields.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) return 0;
  return it->get<std::uint64_t>();
}

// Per routerId, the times and units of its `connected` events, in order.
using ConnectIndex = std::unordered_map<std::uint64_t, std::vector<std::pair<std::int64_t, std::string>>>;

ConnectIndex index_connects(std::span<const history::Event> history) {
  ConnectIndex index;
  for (const auto& event : history)
    if (event.kind == "connected" && event.router_id)
      index[*event.router_id].emplace_back(event.t_ns, field_string(event, "unit"));
  return index;
}

// Open connections per routerId per unit; two units at once is dual service.
std::vector<DualService> find_dual_service(std::span<const history::Event> history) {
  std::unordered_map<std::uint64_t, std::map<std::string, int>> open;
  std::unordered_map<std::uint64_t, std::string> last_unit;
  std::vector<DualService> found;
  for (const auto& event : history) {
    if (!event.router_id) continue;
    std::uint64_t id = *event.router_id;
    if (event.kind == "connected") {
      std::string unit = field_string(event, "unit");
      last_unit[id] = unit;
      auto& units = open[id];
      ++units[unit];
      if (units.size() > 1) {
        DualService dual{id, event.t_ns, {}};
        for (const auto& [name, count] : units) dual.units.push_back(name);
        found.push_back(std::move(dual));
      }
    } else if (event.kind == "disconnected") {
      std::string unit = field_string(event, "unit");
      if (unit.empty()) unit = last_unit[id];
      auto& units = open[id];
      auto it = units.find(unit);
      if (it != units.end() && --it->second <= 0) units.erase(it);
    }
  }
  return found;
}

}  // namespace

std::string disconnect_cause(const history::Event& event) {
  std::string cause = field_string(event, "cause");
  auto code_it = event.fields.find("code");
  std::uint64_t code =
      code_it != event.fields.end() && code_it->is_number_integer() ? field_unsigned(event, "code") : 0;
  if (code == 4001) return "moved (4001)";
  if (code == 1001) return "shutdown (1001)";
  if (code == 1011 || code == 1012 || code == 1014) return "backend gone (" + std::to_string(code) + ")";
  if (cause == "connection_lost") return "node lost";
  if (cause == "idle_timeout" || cause == "pong_timeout") return "idle timeout";
  if (cause.empty()) cause = "unknown";
  return code ? cause + " (" + std::to_string(code) + ")" : cause;
}

namespace {

// A measured duration, as the reports print them ("1822.7 ms"):
// json::format_duration spells scenario durations and would give raw ns.
std::string measured(std::chrono::nanoseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(d.count()) / 1e6);
  return text;
}

// The client gave up a redirect chain: it came back to a URL (redirect_loop)
// or exceeded its hop bound, which the scenario counts as a loop too.
bool is_redirect_loop(const history::Event& event) {
  std::string error = field_string(event, "error");
  return error == "redirect_loop" || error == "too_many_redirects";
}

// Per routerId within a window: the URLs its current redirect chain left,
// and the units that served it, to spot it being sent back and forth.
class BounceFinder {
 public:
  void see(const history::Event& event) {
    if (!event.router_id) return;
    std::uint64_t id = *event.router_id;
    Trail& trail = trails_[id];
    if (event.kind == "attempt") {
      trail.left.clear();
    } else if (event.kind == "redirect") {
      std::string to = field_string(event, "to");
      if (std::find(trail.left.begin(), trail.left.end(), to) != trail.left.end())
        found(id, event.t_ns, "redirected back to " + to);
      trail.left.push_back(field_string(event, "from"));
    } else if (event.kind == "rejected" && is_redirect_loop(event)) {
      found(id, event.t_ns, "redirect loop: " + field_string(event, "reason"));
    } else if (event.kind == "connected") {
      std::string unit = field_string(event, "unit");
      if (trail.units.empty() || trail.units.back() != unit) trail.units.push_back(unit);
      auto& u = trail.units;
      if (u.size() >= 3 && u[u.size() - 3] == u.back())
        found(id, event.t_ns, "served by " + u[u.size() - 3] + ", " + u[u.size() - 2] + ", " + u.back());
    }
  }
  std::vector<Bounce> take() { return std::move(bounces_); }

 private:
  struct Trail {
    std::vector<std::string> left;
    std::vector<std::string> units;
    bool reported = false;
  };
  void found(std::uint64_t id, std::int64_t t, std::string evidence) {
    Trail& trail = trails_[id];
    if (trail.reported) return;
    trail.reported = true;
    bounces_.push_back({id, t, std::move(evidence)});
  }
  std::unordered_map<std::uint64_t, Trail> trails_;
  std::vector<Bounce> bounces_;
};

void collect_window(std::span<const history::Event> history, const EventWindow& window, const ConnectIndex& connects,
                    WindowFacts& facts) {
  std::map<std::uint64_t, std::int64_t> first_disconnect;
  BounceFinder bounces;
  auto begin = std::partition_point(history.begin(), history.end(),
                                    [&](const history::Event& e) { return e.t_ns < window.start_ns; });
  for (auto it = begin; it != history.end() && it->t_ns < window.end_ns; ++it) {
    const history::Event& event = *it;
    bounces.see(event);
    if (event.kind == "disconnected" && event.router_id) {
      first_disconnect.emplace(*event.router_id, event.t_ns);
      facts.disconnected_by_cause[disconnect_cause(event)].push_back(*event.router_id);
    } else if (event.kind == "redirect") {
      ++facts.redirects;
    } else if (event.kind == "rejected") {
      ++facts.failed_attempts;
      if (is_redirect_loop(event)) ++facts.redirect_loops;
    } else if (event.kind == "gap") {
      facts.messages_lost += field_unsigned(event, "missing");
    } else if (event.kind == "connected") {
      if (auto name = field_string(event, "backend_name"); !name.empty()) ++facts.opened_by_backend[name];
    }
  }
  facts.bounces = bounces.take();
  for (auto& [cause, ids] : facts.disconnected_by_cause) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  for (const auto& [id, t] : first_disconnect) {
    facts.disconnected.push_back(id);
    Reconnect reconnect{id, t, std::nullopt, {}};
    if (auto it = connects.find(id); it != connects.end()) {
      auto next = std::upper_bound(it->second.begin(), it->second.end(), t,
                                   [](std::int64_t value, const auto& entry) { return value < entry.first; });
      if (next != it->second.end()) {
        reconnect.connected_ns = next->first;
        reconnect.unit = next->second;
        facts.reconnect_latency.add(std::chrono::nanoseconds(next->first - t));
      }
    }
    facts.reconnects.push_back(std::move(reconnect));
  }
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

void judge_window(const EventWindow& window, const WindowFacts& facts, std::span<const history::Event> history,
                  std::span<const std::uint64_t> population, std::uint32_t modulus, std::vector<Verdict>& out) {
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
  // A timeline action that failed makes the run fail even without an expectation on it.
  if (!window.action_error.empty())
    add({0, "action", Status::fail, window.name + " performed", window.action_error, ""});
}

}  // namespace

Analysis analyse(std::span<const history::Event> history, std::span<const EventWindow> windows,
                 std::span<const std::uint64_t> population, std::uint32_t modulus) {
  Analysis analysis;
  ConnectIndex connects = index_connects(history);
  analysis.dual_service = find_dual_service(history);
  analysis.windows.resize(windows.size());
  for (std::size_t i = 0; i < windows.size(); ++i) collect_window(history, windows[i], connects, analysis.windows[i]);
  for (const auto& dual : analysis.dual_service) {
    int w = window_of(windows, dual.t_ns);
    if (w >= 0) analysis.windows[static_cast<std::size_t>(w)].dual_service.push_back(dual);
  }
  for (std::size_t i = 0; i < windows.size(); ++i)
    judge_window(windows[i], analysis.windows[i], history, population, modulus, analysis.verdicts);
  return analysis;
}

}  // namespace wsfo::checks
