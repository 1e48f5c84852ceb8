#include "simulator/model/sim_log.hpp"

#include <algorithm>

namespace wsfo::model {

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
    case LogKind::agent:
      return "agent";
  }
  return "?";
}

const std::string& attempt_address(const LogRecord& r, const LogNames& names) {
  return r.b ? names.vip_addresses[r.b - 1u] : names.node_addresses[r.node];
}

}  // namespace

history::Event to_event(const LogRecord& r, const LogNames& names) {
  if (r.kind == LogKind::agent) return (*names.agent_events)[r.client];
  history::Event e = base_event(r, names, kind_text(r.kind));
  auto& f = e.fields;
  switch (r.kind) {
    case LogKind::attempt:
      f = {{"url", names.urls->at(r.a)}, {"address", attempt_address(r, names)}, {"attempt", r.n}};
      break;
    case LogKind::redirect:
      f = {{"from", names.urls->at(r.a)}, {"to", names.urls->at(r.b)}, {"status", 302}};
      break;
    case LogKind::connected:
      f = {{"url", names.urls->at(r.a)},
           {"unit", names.node_units[r.node]},
           {"node", names.node_names[r.node]},
           {"backend", names.backend_labels[r.b]},
           {"backend_name", names.backend_names[r.b]},
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
    case LogKind::agent:
      break;
  }
  return e;
}

std::optional<history::Event> to_slim_event(const LogRecord& r, const LogNames& names) {
  if (r.kind == LogKind::attempt) return std::nullopt;
  if (r.kind == LogKind::agent) return (*names.agent_events)[r.client];  // few: kept whole
  history::Event e = base_event(r, names, kind_text(r.kind));
  auto& f = e.fields;
  switch (r.kind) {
    case LogKind::redirect:
      f = {{"from", names.urls->at(r.a)}, {"to", names.urls->at(r.b)}, {"status", 302}};
      break;
    case LogKind::connected:
      f = {{"unit", names.node_units[r.node]},
           {"node", names.node_names[r.node]},
           {"backend_name", names.backend_names[r.b]}};
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
    case LogKind::agent:
      break;
  }
  return e;
}

namespace {

// One history line written straight from a record, byte for byte what
// to_json_line(to_event(...)) gives (fields in key order, as nlohmann's
// object prints them) without building a JSON object per event: at a
// million clients those objects were most of the time spent writing.
class LineWriter {
 public:
  explicit LineWriter(std::string& out) : out_(out) {}

  void begin(const LogRecord& r, const LogNames& names, const char* kind) {
    out_ += "{\"t_ns\":";
    number(r.t_ns);
    out_ += ",\"kind\":\"";
    out_ += kind;
    out_ += '"';
    if (r.kind == LogKind::action) {
      out_ += ",\"source\":\"orchestrator\"";
      return;
    }
    key("source");
    text(names.group_names[names.client_group[r.client]]);
    out_ += ",\"routerId\":";
    out_ += std::to_string(names.router_ids[r.client]);
  }
  void field(const char* name, const std::string& value) {
    key(name);
    text(value);
  }
  void field(const char* name, std::int64_t value) {
    key(name);
    number(value);
  }
  void end() { out_ += "}\n"; }

 private:
  void key(const char* name) {
    out_ += ",\"";
    out_ += name;
    out_ += "\":";
  }
  void number(std::int64_t value) { out_ += std::to_string(value); }
  void text(const std::string& value) {
    bool plain = std::all_of(value.begin(), value.end(), [](char c) {
      auto u = static_cast<unsigned char>(c);
      return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
    });
    if (!plain) {  // escapes and UTF-8 checks exactly as the JSON library does them
      out_ += history::Json(value).dump(-1, ' ', false, history::Json::error_handler_t::replace);
      return;
    }
    out_ += '"';
    out_ += value;
    out_ += '"';
  }
  std::string& out_;
};

void write_line(const LogRecord& r, const LogNames& names, std::string& out) {
  if (r.kind == LogKind::agent) {
    out += history::to_json_line((*names.agent_events)[r.client]);
    out += '\n';
    return;
  }
  LineWriter w(out);
  w.begin(r, names, kind_text(r.kind));
  switch (r.kind) {
    case LogKind::attempt:
      w.field("address", attempt_address(r, names));
      w.field("attempt", r.n);
      w.field("url", names.urls->at(r.a));
      break;
    case LogKind::redirect:
      w.field("from", names.urls->at(r.a));
      w.field("status", 302);
      w.field("to", names.urls->at(r.b));
      break;
    case LogKind::connected:
      w.field("backend", names.backend_labels[r.b]);
      w.field("backend_name", names.backend_names[r.b]);
      w.field("handshake_ns", r.d);
      w.field("node", names.node_names[r.node]);
      w.field("redirects", r.n);
      w.field("unit", names.node_units[r.node]);
      w.field("url", names.urls->at(r.a));
      break;
    case LogKind::rejected:
      w.field("error", names.texts->at(r.text));
      w.field("reason", names.texts->at(r.text2));
      if (r.d >= 0) w.field("retry_after_ns", r.d);
      if (r.n) w.field("status", r.n);
      w.field("url", names.urls->at(r.a));
      break;
    case LogKind::disconnected: {
      bool lost = static_cast<CloseCause>(r.sub) == CloseCause::connection_lost;
      w.field("backend", names.backend_labels[r.a]);
      w.field("cause", std::string(cause_text(r.sub)));
      w.field("closed_by", std::string(lost ? "network" : "server"));
      if (r.n) w.field("code", r.n);
      w.field("connected_ns", r.d);
      w.field("reason", names.texts->at(r.text));
      w.field("unit", names.node_units[r.node]);
      break;
    }
    case LogKind::action:
      w.field("action", names.action_names[r.client]);
      w.field("index", r.client);
      break;
    case LogKind::agent:
      break;
  }
  w.end();
}

}  // namespace

void write_history(const std::vector<LogRecord>& records, const LogNames& names, std::ostream& out) {
  std::string buffer;
  for (const auto& record : records) {
    write_line(record, names, buffer);
    if (buffer.size() > (1 << 20)) {
      out << buffer;
      buffer.clear();
    }
  }
  out << buffer;
}

}  // namespace wsfo::model
