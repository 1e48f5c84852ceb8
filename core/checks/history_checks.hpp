#pragma once
// The checker (Jepsen's sense): judges a merged event history against the
// scenario's expectations, one window per timeline event, and returns a
// verdict with its evidence for each expectation. Shared by `wsfo run` and
// `wsfo simulate`, so both judge the same way.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clients/latency_summary.hpp"
#include "core/history/event.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::checks {

enum class Status { pass, fail, unknown };
std::string_view to_string(Status status);

struct Verdict {
  std::size_t event = 0;  // index into the timeline
  std::string check;      // "disconnected", "reconnect-within", "land-in", ...
  Status status = Status::unknown;
  std::string expected;
  std::string actual;
  std::string evidence;  // what differs, as routerId ranges
};

// A timeline event and the span of history attributed to it: from the
// moment it was played to the next event (or the end of the run).
struct EventWindow {
  std::size_t index = 0;
  std::string name;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  scenario::Expectation expect;
  // Filled by the engine that played the event:
  // (Initialised with {} so that aggregate initialisations that stop before them stay warning-free.)
  std::optional<std::string> cutover_outcome{};  // a cutover's outcome ("committed", "aborted", ...)
  // Each gateway's rules version right after the event; nullopt: it did not answer.
  std::map<std::string, std::optional<std::uint64_t>> versions_after{};
  std::string action_error{};  // the action itself failed (a part did not restart, a reload failed)
  std::string node_down{};     // the node a kill or power-off took down at start_ns (it writes nothing more)
};

struct Reconnect {
  std::uint64_t router_id = 0;
  std::int64_t disconnected_ns = 0;
  std::optional<std::int64_t> connected_ns;  // first `connected` after the disconnect
  std::string unit;                          // where it landed
};

struct DualService {
  std::uint64_t router_id = 0;
  std::int64_t t_ns = 0;
  std::vector<std::string> units;
};

// A routerId sent back and forth between units: a redirect chain that came
// back to a URL it had left, or connections served by A, then B, then A again.
struct Bounce {
  std::uint64_t router_id = 0;
  std::int64_t t_ns = 0;
  std::string evidence;  // "redirected back to ws://..." or "served by unbj, center, unbj"
};

struct WindowFacts {
  std::vector<std::uint64_t> disconnected;  // distinct routerIds, sorted
  std::map<std::string, std::vector<std::uint64_t>> disconnected_by_cause;
  std::vector<Reconnect> reconnects;  // one per distinct disconnected routerId
  clients::LatencySamples reconnect_latency;
  std::uint64_t redirects = 0;
  std::uint64_t failed_attempts = 0;  // `rejected` events
  std::uint64_t redirect_loops = 0;
  std::uint64_t messages_lost = 0;  // sum of sequence gaps
  std::vector<DualService> dual_service;
  std::vector<Bounce> bounces{};
  std::map<std::string, std::uint64_t> opened_by_backend{};  // `connected` events by backend_name
};

// One stretch of time during which at least two nodes were MASTER for one
// VRRP instance. Intervals are half-open: a node that leaves MASTER at t and
// another that becomes MASTER at t do not overlap.
struct SplitBrain {
  std::string instance;
  std::string vip;                 // the VIP address(es) as the `vip` events name them
  std::vector<std::string> nodes;  // every node MASTER at some moment of it, sorted
  std::int64_t from_ns = 0;
  std::int64_t to_ns = 0;
  bool until_end = false;  // still two MASTERs when the run ended (to_ns is the run's end)
};

struct Analysis {
  std::vector<WindowFacts> windows;  // aligned with the windows given
  std::vector<Verdict> verdicts;
  std::vector<DualService> dual_service;  // over the whole history
  std::vector<SplitBrain> split_brains{};  // over the whole run: two or more MASTERs for one VIP

  bool passed() const;
};

// `history` sorted by t_ns; `population` every routerId of the run (for
// slot-range expectations); `modulus` the rules' slot modulus; `advert_ns`
// each VRRP instance's advert interval (split_brain.hpp: a shorter overlap of
// two MASTERs is a handover).
Analysis analyse(std::span<const history::Event> history, std::span<const EventWindow> windows,
                 std::span<const std::uint64_t> population, std::uint32_t modulus,
                 const std::map<std::string, std::int64_t>& advert_ns = {});

// The cause a report groups a `disconnected` event under: "moved (4001)",
// "node lost", "idle timeout", "backend gone (1011)", "shutdown (1001)", or
// the client's own cause and code.
std::string disconnect_cause(const history::Event& event);

// Finds the window an instant belongs to, or -1 before the first.
int window_of(std::span<const EventWindow> windows, std::int64_t t_ns);

}  // namespace wsfo::checks
