#include "simulator/sim/sim_log.hpp"

namespace wsfo::sim {

std::uint32_t StringTable::intern(const std::string& text) {
  auto [it, inserted] = index_.try_emplace(text, static_cast<std::uint32_t>(strings_.size()));
  if (inserted) strings_.push_back(text);
  return it->second;
}

namespace {

const char* cause_text(std::uint8_t sub) {
  return static_cast<CloseCause>(sub) == CloseCause::connection_lost ? "connection_lost" : "server_close";
}

history::Event base_event(const LogRecord& r, const LogNames& names, const char* kind) {
  history::Event event;
  event.kind = kind;
  event.t_ns = r.t_ns;
  if (r.kind == LogKind::action) {
    event.source = "orchestrator";
  } else {
    event.source = names.group_names[names.client_group[r.client]];
    event.router_id = names.router_ids[r.client];
  }
  return event;
}

const char* kind_text(LogKind kind) {
  switch (kind) {
    case LogKind::attempt:
      return "attempt";
    case LogKind::redirect:
      return "redirect";
    case LogKind::connected:
      return "connected";
    case LogKind::rejected:
      return "rejected";
    case LogKind::disconnected:
      return "disconnected";
    case LogKind::action:
      return "action";
  }
  return "?";
}

}  // namespace

history::Event to_event(const LogRecord& r, const LogNames& names) {
  history::Event e = base_event(r, names, kind_text(r.kind));
  auto& f = e.fields;
  switch (r.kind) {
    case LogKind::attempt:
      f = {{"url", names.urls->at(r.a)}, {"address", names.node_addresses[r.node]}, {"attempt", r.n}};
      break;
    case LogKind::redirect:
      f = {{"from", names.urls->at(r.a)}, {"to", names.urls->at(r.b)}, {"status", 302}};
      break;
    case LogKind::connected:
      f = {{"url", names.urls->at(r.a)},
           {"unit", names.node_units[r.node]},
           {"node", names.node_names[r.node]},
           {"backend", names.backend_labels[r.b]},
           {"handshake_ns", r.d},
           {"redirects", r.n}};
      break;
    case LogKind::rejected:
      f = {{"url", names.urls->at(r.a)}, {"error", names.texts->at(r.text)}, {"reason", names.texts->at(r.text2)}};
      if (r.n) f["status"] = r.n;
      if (r.d >= 0) f["retry_after_ns"] = r.d;
      break;
    case LogKind::disconnected:
      f = {{"cause", cause_text(r.sub)},
           {"reason", names.texts->at(r.text)},
           {"closed_by", static_cast<CloseCause>(r.sub) == CloseCause::connection_lost ? "network" : "server"},
           {"connected_ns", r.d},
           {"unit", names.node_units[r.node]},
           {"backend", names.backend_labels[r.a]}};
      if (r.n) f["code"] = r.n;
      break;
    case LogKind::action:
      f = {{"index", r.client}, {"action", names.action_names[r.client]}};
      break;
  }
  return e;
}

std::optional<history::Event> to_slim_event(const LogRecord& r, const LogNames& names) {
  if (r.kind == LogKind::attempt) return std::nullopt;
  history::Event e = base_event(r, names, kind_text(r.kind));
  auto& f = e.fields;
  switch (r.kind) {
    case LogKind::redirect:
      f = {{"from", names.urls->at(r.a)}, {"to", names.urls->at(r.b)}, {"status", 302}};
      break;
    case LogKind::connected:
      f = {{"unit", names.node_units[r.node]}, {"node", names.node_names[r.node]}};
      break;
    case LogKind::rejected:
      f = {{"error", names.texts->at(r.text)}};
      break;
    case LogKind::disconnected:
      f = {{"cause", cause_text(r.sub)}, {"unit", names.node_units[r.node]}};
      if (r.n) f["code"] = r.n;
      break;
    case LogKind::action:
      f = {{"index", r.client}, {"action", names.action_names[r.client]}};
      break;
    case LogKind::attempt:
      break;
  }
  return e;
}

void write_history(const std::vector<LogRecord>& records, const LogNames& names, std::ostream& out) {
  std::string buffer;
  for (const auto& record : records) {
    buffer += history::to_json_line(to_event(record, names));
    buffer += '\n';
    if (buffer.size() > (1 << 20)) {
      out << buffer;
      buffer.clear();
    }
  }
  out << buffer;
}

}  // namespace wsfo::sim
