#include "simulator/model/sim_log.hpp"

#include "core/history/records.hpp"

namespace wsfo::model {

std::uint32_t StringTable::intern(const std::string& text) {
  auto [it, inserted] = index_.try_emplace(text, static_cast<std::uint32_t>(strings_.size()));
  if (inserted) strings_.push_back(text);
  return it->second;
}

namespace {

const char* cause_text(std::uint8_t sub) {
  switch (static_cast<CloseCause>(sub)) {
    case CloseCause::connection_lost:
      return "connection_lost";
    case CloseCause::idle_timeout:
      return "idle_timeout";
    case CloseCause::pong_timeout:
      return "pong_timeout";
    case CloseCause::server_close:
      break;
  }
  return "server_close";
}

const std::string& attempt_address(const LogRecord& r, const LogNames& names) {
  return r.b ? names.vip_addresses[r.b - 1u] : names.node_addresses[r.node];
}

history::Stamp stamp_of(const LogRecord& r, const LogNames& names) {
  if (r.kind == LogKind::action) return {r.t_ns, "orchestrator", std::nullopt};
  return {r.t_ns, names.group_names[names.client_group[r.client]], names.router_ids[r.client]};
}

// Calls f with the core/history record the compact one stands for (not for
// `agent` records, which are kept whole).
template <class F>
void with_record(const LogRecord& r, const LogNames& names, F&& f) {
  switch (r.kind) {
    case LogKind::attempt:
      f(history::AttemptRecord{names.urls->at(r.a), attempt_address(r, names), r.n});
      break;
    case LogKind::redirect:
      f(history::RedirectRecord{names.urls->at(r.a), names.urls->at(r.b), r.n});
      break;
    case LogKind::connected:
      f(history::ConnectedRecord{names.urls->at(r.a), names.node_units[r.node], names.node_names[r.node],
                                 names.backend_labels[r.b], names.backend_names[r.b], r.d, r.n});
      break;
    case LogKind::rejected: {
      history::RejectedRecord record;
      record.url = names.urls->at(r.a);
      record.error = names.texts->at(r.text);
      record.reason = names.texts->at(r.text2);
      record.status = r.n;
      if (r.d >= 0) record.retry_after_ns = r.d;
      record.redirects = r.sub;
      f(record);
      break;
    }
    case LogKind::disconnected: {
      const auto cause = static_cast<CloseCause>(r.sub);
      const bool timed_out = cause == CloseCause::idle_timeout || cause == CloseCause::pong_timeout;
      history::DisconnectedRecord record;
      record.cause = cause_text(r.sub);
      record.reason = names.texts->at(r.text);
      record.closed_by = timed_out ? "client" : cause == CloseCause::connection_lost ? "network" : "server";
      record.unit = names.node_units[r.node];
      record.backend = names.backend_labels[r.a];
      if (r.n) record.code = r.n;
      record.connected_ns = r.d;
      record.ping_rtt_max_ns = ping_rtt_max(r);
      f(record);
      break;
    }
    case LogKind::action:
      f(history::ActionRecord{r.client, names.action_names[r.client]});
      break;
    case LogKind::agent:
      break;
  }
}

// The fields core/checks and the reports read from a large run's events.
bool slim_keeps(LogKind kind, std::string_view name) {
  switch (kind) {
    case LogKind::connected:
      return name == "unit" || name == "node" || name == "backend_name";
    case LogKind::rejected:
      return name == "error";
    case LogKind::disconnected:
      return name == "cause" || name == "unit" || name == "code";
    default:
      return true;
  }
}

}  // namespace

history::Event to_event(const LogRecord& r, const LogNames& names) {
  if (r.kind == LogKind::agent) return (*names.agent_events)[r.client];
  history::Event event;
  with_record(r, names, [&](const auto& record) { event = history::make_event(stamp_of(r, names), record); });
  return event;
}

std::optional<history::Event> to_slim_event(const LogRecord& r, const LogNames& names) {
  if (r.kind == LogKind::attempt) return std::nullopt;
  if (r.kind == LogKind::agent) return (*names.agent_events)[r.client];  // few: kept whole
  history::Event event;
  with_record(r, names, [&](const auto& record) {
    event = history::make_event(stamp_of(r, names), record,
                                [&](std::string_view name) { return slim_keeps(r.kind, name); });
  });
  return event;
}

void write_history(const std::vector<LogRecord>& records, const LogNames& names, std::ostream& out) {
  std::string buffer;
  for (const auto& r : records) {
    if (r.kind == LogKind::agent) {
      buffer += history::to_json_line((*names.agent_events)[r.client]);
      buffer += '\n';
    } else {
      with_record(r, names, [&](const auto& record) { history::append_line(buffer, stamp_of(r, names), record); });
    }
    if (buffer.size() > (1 << 20)) {
      out << buffer;
      buffer.clear();
    }
  }
  out << buffer;
}

}  // namespace wsfo::model
