#pragma once
// A synthetic but realistic RunRecord for report tests: 1000 clients on two
// units (center 0-5997, unbj 5998-9999 on nodes unbj-1 and unbj-2), a fenced
// cutover at +5 s moving 5998-6380 to center (those clients get 4001, wait
// 1500 ms, are redirected and land on center), then at +10 s a kill of unbj-1
// which held VIP vip-unbj: its clients lose the connection, are refused until
// unbj-2 takes the VIP over at +13.4 s, and come back there.
#include <cstdint>
#include <string>

#include "core/history/records.hpp"
#include "reports/report.hpp"

namespace wsfo::test {

inline reports::RunRecord sample_run(bool wrong_cutover_expectation = false) {
  using history::Event;
  using history::make_event;
  constexpr std::int64_t ms = 1'000'000;
  const std::string domain = "ws://websocket.msha.tech:8020/";
  auto unit_url = [](const std::string& unit) { return "ws://" + unit + ".websocket.msha.tech:8020/"; };
  reports::RunRecord run;
  run.scenario = "sample-cutover-and-kill";
  run.engine = "live";
  run.start_ns = 1000 * ms;
  run.end_ns = run.start_ns + 20000 * ms;
  run.rules_before = *routing::RuleSet::build(1, {{0, 5997, "center"}, {5998, 9999, "unbj"}}, {"center", "unbj"}).rules;
  run.rules_after = *routing::RuleSet::build(2, {{0, 6380, "center"}, {6381, 9999, "unbj"}}, {"center", "unbj"}).rules;
  for (std::uint64_t i = 0; i < 1000; ++i) run.population.push_back(i * 10 + 3);
  run.population.push_back(6249);

  auto connect = [&](std::int64_t t, std::uint64_t id, const std::string& unit, const std::string& node,
                     std::int64_t since_failure) {
    const bool redirected = unit != "unbj";  // the domain's CNAME points at unbj
    const std::string url = unit_url(unit);
    run.history.push_back(make_event({t, "clients", id}, history::AttemptRecord{domain, "", 1}));
    if (redirected)
      run.history.push_back(make_event({t + 2 * ms, "clients", id}, history::RedirectRecord{domain, url, 302}));
    run.history.push_back(
        make_event({t + 5 * ms + since_failure, "clients", id},
                   history::ConnectedRecord{url, unit, node, unit == "center" ? "hangzhou" : "beijing", "", 400000,
                                            redirected ? 1u : 0u}));
  };
  auto node_of = [](std::uint64_t id, const std::string& unit) {
    return unit == "center" ? std::string("center-1") : (id % 20 == 3 ? "unbj-1" : "unbj-2");
  };
  for (auto id : run.population) {
    std::string unit = run.rules_before.unit_of(id);
    connect(run.start_ns + 100 * ms + static_cast<std::int64_t>(id % 97) * ms, id, unit, node_of(id, unit), 0);
  }
  const std::int64_t cutover_at = run.start_ns + 5000 * ms, kill_at = run.start_ns + 10000 * ms;
  const std::int64_t takeover_at = kill_at + 3400 * ms;
  for (auto id : run.population) {
    auto slot = routing::slot_of(id);
    if (slot < 5998 || slot > 6380) continue;
    const std::int64_t t = cutover_at + 20 * ms + static_cast<std::int64_t>(slot % 7) * ms;
    history::DisconnectedRecord moved;
    moved.cause = "server_close";
    moved.code = 4001;
    moved.reason = "moved: unbj -> center (rules v2)";
    moved.closed_by = "server";
    moved.connected_ns = 4000 * ms;
    moved.unit = "unbj";
    run.history.push_back(make_event({t, "clients", id}, moved));
    connect(t + 1500 * ms, id, "center", "center-1", static_cast<std::int64_t>(slot % 40) * ms);
  }
  run.history.push_back(make_event({run.start_ns + 50 * ms, "unbj-1", std::nullopt},
                                   history::VipRecord{"vip-unbj", "unbj-1", "127.0.2.10", "BACKUP", "MASTER",
                                                      "no advert for Master_Down_Interval", 100}));
  run.history.push_back(
      make_event({takeover_at, "unbj-2", std::nullopt},
                 history::VipRecord{"vip-unbj", "unbj-2", "127.0.2.10", "BACKUP", "MASTER",
                                    "no advert from 127.0.2.11 for Master_Down_Interval 3.8 s", 100}));
  for (auto id : run.population) {
    if (run.rules_after.unit_of(id) != "unbj" || node_of(id, "unbj") != "unbj-1") continue;
    const std::int64_t t = kill_at + 2 * ms + static_cast<std::int64_t>(id % 5) * ms;
    history::DisconnectedRecord lost;
    lost.cause = "connection_lost";
    lost.reason = "end of stream";
    lost.closed_by = "network";
    lost.connected_ns = 9000 * ms;
    lost.unit = "unbj";
    run.history.push_back(make_event({t, "clients", id}, lost));
    run.history.push_back(make_event({t + 1500 * ms, "clients", id}, history::AttemptRecord{domain, "", 1}));
    history::RejectedRecord refused;
    refused.url = domain;
    refused.error = "refused";
    refused.reason = "connection refused";
    run.history.push_back(make_event({t + 1501 * ms, "clients", id}, refused));
    connect(takeover_at + 200 * ms + static_cast<std::int64_t>(id % 300) * ms, id, "unbj", "unbj-2", 0);
  }
  std::stable_sort(run.history.begin(), run.history.end(),
                   [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });

  checks::EventWindow cutover{0, "cutover", cutover_at, kill_at, {}};
  cutover.expect.disconnected = scenario::DisconnectSlots{
      {wrong_cutover_expectation ? scenario::SlotSpan{5998, 6300} : scenario::SlotSpan{5998, 6380}}};
  cutover.expect.land_in = "center";
  cutover.expect.reconnect_within = std::chrono::milliseconds(3000);
  checks::EventWindow kill{1, "kill", kill_at, run.end_ns, {}};
  kill.node_down = "unbj-1";  // as the timeline player records a kill
  kill.expect.vips = {{"vip-unbj", "unbj-2", std::chrono::milliseconds(5000)}};
  kill.expect.reconnect_within = std::chrono::milliseconds(5000);
  run.windows = {cutover, kill};

  cutover::CutoverResult result;
  result.outcome = cutover::Outcome::committed;
  result.from_version = 1;
  result.to_version = 2;
  result.final_version = 2;
  result.moved = {{5998, 6380, "unbj", "center"}};
  result.checks = {{"rules-valid", cutover::CheckOutcome::Status::pass, 1, ""},
                   {"same-version", cutover::CheckOutcome::Status::pass, 1, ""}};
  result.steps = {{std::chrono::milliseconds(3), "prepare", "unbj-1", true, "v2 prepared"},
                  {std::chrono::milliseconds(9), "commit", "unbj-1", true, "v2 active"}};
  run.cutovers[0] = result;
  run.notes = {"synthetic run for report tests"};
  return run;
}

}  // namespace wsfo::test
