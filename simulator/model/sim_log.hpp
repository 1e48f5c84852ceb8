#pragma once
// The simulated run's event history in compact form: one 40-byte record per
// event instead of a history::Event with a JSON object (about 700 bytes), so
// a million clients fit in memory. It turns into the history format of
// docs/history.md (the same lines `wsfo run` writes) when written out, and
// into the slim events the checks and reports read.
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/history/event.hpp"

namespace wsfo::model {

// `agent`: an event written whole by a node's VRRP agent (LogNames::agent_events[client]).
enum class LogKind : std::uint8_t { attempt, redirect, connected, rejected, disconnected, action, agent };

// Why a connection ended, in the client's terms (docs/history.md).
// The timeouts are the client's own heartbeat verdicts (clients/client_session.cpp).
enum class CloseCause : std::uint8_t { server_close, connection_lost, idle_timeout, pong_timeout };

struct LogRecord {
  std::int64_t t_ns = 0;
  std::uint32_t client = 0;  // index into the client table (`action`: the timeline index; `agent`: the event)
  LogKind kind = LogKind::attempt;
  std::uint8_t sub = 0;     // disconnected: CloseCause; rejected: redirects followed before it
  std::uint16_t node = 0;   // attempt, connected, disconnected: gateway node index
  std::uint16_t a = 0;      // attempt, rejected, connected: url; redirect: from url; disconnected: backend
  std::uint16_t b = 0;      // redirect: to url; connected: backend; attempt: 1 + the VIP dialed (0: none)
  std::uint32_t n = 0;      // attempt: number; redirect, rejected: status; connected: redirects; disconnected: code
  std::uint32_t text = 0;   // rejected: error code text; disconnected: reason text (string table)
  std::uint32_t text2 = 0;  // rejected: reason text
  std::int64_t d = 0;       // connected: handshake_ns; rejected: retry_after_ns (-1 none); disconnected: connected_ns
};

// disconnected: 1 + the longest ping round trip in ns, in b (high 16 bits)
// and text2 (low 32 bits); 0: no pong arrived.
inline void set_ping_rtt_max(LogRecord& r, std::int64_t rtt_ns) {
  const auto v = static_cast<std::uint64_t>(rtt_ns) + 1u;
  r.b = static_cast<std::uint16_t>(v >> 32);
  r.text2 = static_cast<std::uint32_t>(v);
}
inline std::optional<std::int64_t> ping_rtt_max(const LogRecord& r) {
  const std::uint64_t v = (std::uint64_t{r.b} << 32) | r.text2;
  if (v == 0) return std::nullopt;
  return static_cast<std::int64_t>(v - 1u);
}

// Interned strings: urls, reasons, error codes. A deque, so a reference from
// at() stays valid while later strings are interned (callers pass one back in).
class StringTable {
 public:
  std::uint32_t intern(const std::string& text);
  const std::string& at(std::uint32_t index) const { return strings_[index]; }

 private:
  std::deque<std::string> strings_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

// What the log needs to spell out a record.
struct LogNames {
  std::vector<std::uint64_t> router_ids;    // by client
  std::vector<std::uint16_t> client_group;  // by client
  std::vector<std::string> group_names;     // source of client events
  std::vector<std::string> node_names;      // by node index
  std::vector<std::string> node_units;      // by node index
  std::vector<std::string> node_addresses;  // "ip:port" by node index
  std::vector<std::string> backend_labels;  // by backend index: the unit label of its welcome text
  std::vector<std::string> backend_names;   // by backend index: its scenario name (X-Wsfo-Backend)
  std::vector<std::string> action_names;    // by timeline index
  std::vector<std::string> vip_addresses;   // "ip:port" by VIP index
  const std::vector<history::Event>* agent_events = nullptr;
  const StringTable* urls = nullptr;
  const StringTable* texts = nullptr;
};

// The full event (every field of docs/history.md).
history::Event to_event(const LogRecord& record, const LogNames& names);

// Only what core/checks and reports read (unit, cause, code, error, ...):
// `attempt` records give nothing (nullopt), others keep few fields. Used for
// the in-memory RunRecord of large runs.
std::optional<history::Event> to_slim_event(const LogRecord& record, const LogNames& names);

// history.jsonl: every record as to_json_line(to_event(...)), in time order.
void write_history(const std::vector<LogRecord>& records, const LogNames& names, std::ostream& out);

}  // namespace wsfo::model
