#pragma once
// The one place that spells each event kind's fields (docs/history.md). A
// record lists its fields to a visitor, in key order; from that one list come
// the history::Event (make_event) and, for writers of millions of lines, the
// JSON line written directly (append_line), byte for byte what
// to_json_line(make_event(...)) gives: key order because nlohmann's objects
// print their keys sorted.
//
// A visitor is called as f(name, value) with value a std::string_view, a
// std::int64_t or a std::uint64_t. Optional fields are visited only when set.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/history/event.hpp"

namespace wsfo::history {

// Who wrote an event and when: the common fields.
struct Stamp {
  std::int64_t t_ns = 0;
  std::string_view source;
  std::optional<std::uint64_t> router_id;  // set for client kinds
};

// ---- client kinds

struct AttemptRecord {
  std::string_view url;
  std::string_view address;  // "ip:port" of the first hop; "" when none was picked
  std::uint64_t attempt = 0;

  static std::string_view kind() { return "attempt"; }
  template <class F>
  void fields(F&& f) const {
    if (!address.empty()) f("address", address);
    f("attempt", attempt);
    f("url", url);
  }
};

struct RedirectRecord {
  std::string_view from, to;
  std::uint64_t status = 0;

  static std::string_view kind() { return "redirect"; }
  template <class F>
  void fields(F&& f) const {
    f("from", from);
    f("status", status);
    f("to", to);
  }
};

struct ConnectedRecord {
  std::string_view url, unit, node, backend;
  std::string_view backend_name;  // "" when the 101 carried no X-Wsfo-Backend
  std::int64_t handshake_ns = 0;
  std::uint64_t redirects = 0;

  static std::string_view kind() { return "connected"; }
  template <class F>
  void fields(F&& f) const {
    f("backend", backend);
    if (!backend_name.empty()) f("backend_name", backend_name);
    f("handshake_ns", handshake_ns);
    f("node", node);
    f("redirects", redirects);
    f("unit", unit);
    f("url", url);
  }
};

struct RejectedRecord {
  std::string_view url, error, reason;
  std::uint64_t status = 0;  // 0: no HTTP answer
  std::optional<std::int64_t> retry_after_ns;
  std::uint64_t redirects = 0;  // followed in this chain before it failed; 0 is not written

  static std::string_view kind() { return "rejected"; }
  template <class F>
  void fields(F&& f) const {
    f("error", error);
    f("reason", reason);
    if (redirects) f("redirects", redirects);
    if (retry_after_ns) f("retry_after_ns", *retry_after_ns);
    if (status) f("status", status);
    f("url", url);
  }
};

struct DisconnectedRecord {
  std::string_view cause, reason, closed_by, unit, backend;
  std::optional<std::uint64_t> code;  // when a close frame was exchanged
  std::int64_t connected_ns = 0;
  // The longest heartbeat ping -> pong on this connection: the message
  // latency through gateway and backend, both ways; absent without a pong.
  std::optional<std::int64_t> ping_rtt_max_ns;

  static std::string_view kind() { return "disconnected"; }
  template <class F>
  void fields(F&& f) const {
    f("backend", backend);
    f("cause", cause);
    f("closed_by", closed_by);
    if (code) f("code", *code);
    f("connected_ns", connected_ns);
    if (ping_rtt_max_ns) f("ping_rtt_max_ns", *ping_rtt_max_ns);
    f("reason", reason);
    f("unit", unit);
  }
};

struct GapRecord {
  std::string_view backend;
  std::uint64_t missing = 0;
  std::uint64_t after_seq = 0;

  static std::string_view kind() { return "gap"; }
  template <class F>
  void fields(F&& f) const {
    f("after_seq", after_seq);
    f("backend", backend);
    f("missing", missing);
  }
};

// ---- the orchestrator's (`wsfo run`, the model): a timeline action started

struct ActionRecord {
  std::uint64_t index = 0;  // in the timeline
  std::string_view action;

  static std::string_view kind() { return "action"; }
  template <class F>
  void fields(F&& f) const {
    f("action", action);
    f("index", index);
  }
};

// ---- VRRP kinds (docs/vrrp.md); source is the node

struct VipRecord {
  std::string_view instance, node, vip, from, to, reason;
  std::int64_t priority = 0;  // the effective priority

  static std::string_view kind() { return "vip"; }
  template <class F>
  void fields(F&& f) const {
    f("from", from);
    f("instance", instance);
    f("node", node);
    f("priority", priority);
    f("reason", reason);
    f("to", to);
    f("vip", vip);
  }
};

// `vip-bind-failed`, or `vip-bound` when a retry succeeded: same fields.
struct VipBindRecord {
  bool bound = false;
  std::string_view instance, node, vip, reason;
  std::uint64_t port = 0;

  std::string_view kind() const { return bound ? "vip-bound" : "vip-bind-failed"; }
  template <class F>
  void fields(F&& f) const {
    f("instance", instance);
    f("node", node);
    f("port", port);
    f("reason", reason);
    f("vip", vip);
  }
};

struct VipPriorityRecord {
  std::string_view instance, node;
  std::int64_t from = 0, to = 0;

  static std::string_view kind() { return "vip-priority"; }
  template <class F>
  void fields(F&& f) const {
    f("from", from);
    f("instance", instance);
    f("node", node);
    f("to", to);
  }
};

// ---- building

namespace detail {
void append_head(std::string& out, const Stamp& stamp, std::string_view kind);
void append_field(std::string& out, std::string_view name, std::string_view value);
void append_field(std::string& out, std::string_view name, std::int64_t value);
void append_field(std::string& out, std::string_view name, std::uint64_t value);
inline Json json_value(std::string_view value) { return Json(std::string(value)); }
inline Json json_value(std::int64_t value) { return Json(value); }
inline Json json_value(std::uint64_t value) { return Json(value); }
}  // namespace detail

// The record as an Event; `keep(name)` picks the fields kept (the model's
// slim events for large runs keep only what the checks read).
template <class Record, class Keep>
Event make_event(const Stamp& stamp, const Record& record, Keep&& keep) {
  Event event;
  event.kind = std::string(record.kind());
  event.t_ns = stamp.t_ns;
  event.source = std::string(stamp.source);
  event.router_id = stamp.router_id;
  record.fields([&](std::string_view name, auto value) {
    if (keep(name)) event.fields[std::string(name)] = detail::json_value(value);
  });
  return event;
}

template <class Record>
Event make_event(const Stamp& stamp, const Record& record) {
  return make_event(stamp, record, [](std::string_view) { return true; });
}

// Appends the record's line and a newline.
template <class Record>
void append_line(std::string& out, const Stamp& stamp, const Record& record) {
  detail::append_head(out, stamp, record.kind());
  record.fields([&](std::string_view name, auto value) { detail::append_field(out, name, value); });
  out += "}\n";
}

}  // namespace wsfo::history
