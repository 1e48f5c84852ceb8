#include "core/history/event.hpp"

#include <array>

namespace wsfo::history {
namespace {

using T = FieldType;

constexpr FieldSpec kAttempt[] = {
    {"url", T::string, true}, {"address", T::string, false}, {"attempt", T::unsigned_integer, true}};
constexpr FieldSpec kRedirect[] = {
    {"from", T::string, true}, {"to", T::string, true}, {"status", T::unsigned_integer, true}};
constexpr FieldSpec kConnected[] = {{"url", T::string, true},           {"unit", T::string, true},
                                    {"node", T::string, true},          {"backend", T::string, true},
                                    {"handshake_ns", T::integer, true}, {"redirects", T::unsigned_integer, true},
                                    {"backend_name", T::string, false}};
constexpr FieldSpec kRejected[] = {{"url", T::string, true},
                                   {"error", T::string, true},
                                   {"reason", T::string, true},
                                   {"status", T::unsigned_integer, false},
                                   {"retry_after_ns", T::integer, false},
                                   {"redirects", T::unsigned_integer, false}};
constexpr FieldSpec kDisconnected[] = {{"cause", T::string, true},         {"code", T::unsigned_integer, false},
                                       {"reason", T::string, true},        {"closed_by", T::string, true},
                                       {"connected_ns", T::integer, true}, {"unit", T::string, false},
                                       {"backend", T::string, false},      {"ping_rtt_max_ns", T::integer, false}};
constexpr FieldSpec kGap[] = {
    {"backend", T::string, true}, {"missing", T::unsigned_integer, true}, {"after_seq", T::unsigned_integer, true}};
// VRRP (gateway/vrrp_agent, docs/vrrp.md): a VIP instance's state transition,
// and the failed bind of a VIP held elsewhere (the split-brain evidence).
constexpr FieldSpec kVip[] = {{"instance", T::string, true}, {"node", T::string, true}, {"vip", T::string, true},
                              {"from", T::string, true},     {"to", T::string, true},   {"reason", T::string, true}};
constexpr FieldSpec kVipBindFailed[] = {{"instance", T::string, true},
                                        {"node", T::string, true},
                                        {"vip", T::string, true},
                                        {"port", T::unsigned_integer, true},
                                        {"reason", T::string, true}};

constexpr std::array kKinds = {
    KindSpec{"attempt", true, kAttempt},
    KindSpec{"redirect", true, kRedirect},
    KindSpec{"connected", true, kConnected},
    KindSpec{"rejected", true, kRejected},
    KindSpec{"disconnected", true, kDisconnected},
    KindSpec{"gap", true, kGap},
    KindSpec{"vip", false, kVip},
    KindSpec{"vip-bind-failed", false, kVipBindFailed},
};

constexpr std::string_view kCommonKeys[] = {"t_ns", "kind", "source", "routerId"};

const char* type_text(FieldType type) {
  switch (type) {
    case T::string:
      return "a string";
    case T::integer:
      return "an integer";
    case T::unsigned_integer:
      return "a non-negative integer";
  }
  return "?";
}

bool has_type(const Json& value, FieldType type) {
  switch (type) {
    case T::string:
      return value.is_string();
    case T::integer:
      return value.is_number_integer() && (value.is_number_unsigned() ? value.get<std::uint64_t>() <= INT64_MAX : true);
    case T::unsigned_integer:
      return value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0);
  }
  return false;
}

bool check_fields(const KindSpec& spec, const Json& object, std::string& error) {
  for (const auto& field : spec.fields) {
    auto it = object.find(field.name);
    if (it == object.end()) {
      if (!field.required) continue;
      error = "'" + std::string(spec.kind) + "' event: missing field '" + std::string(field.name) + "' (" +
              type_text(field.type) + ")";
      return false;
    }
    if (!has_type(*it, field.type)) {
      error = "'" + std::string(spec.kind) + "' event: field '" + std::string(field.name) + "' must be " +
              type_text(field.type) + ", got " + it->dump();
      return false;
    }
  }
  return true;
}

}  // namespace

std::span<const KindSpec> known_kinds() { return kKinds; }

const KindSpec* find_kind(std::string_view kind) {
  for (const auto& spec : kKinds)
    if (spec.kind == kind) return &spec;
  return nullptr;
}

std::string to_json_line(const Event& event) {
  std::string line = "{\"t_ns\":" + std::to_string(event.t_ns) + ",\"kind\":" + Json(event.kind).dump() +
                     ",\"source\":" + Json(event.source).dump();
  if (event.router_id) line += ",\"routerId\":" + std::to_string(*event.router_id);
  for (const auto& [key, value] : event.fields.items()) {
    line += ',';
    line += Json(key).dump();
    line += ':';
    line += value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  line += '}';
  return line;
}

std::optional<Event> parse_event_line(std::string_view line, std::string& error) {
  Json object;
  try {
    object = Json::parse(line);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    error = "not JSON: " + std::string(e.what());
    return std::nullopt;
  }
  if (!object.is_object()) return error = "expected a JSON object, got " + object.dump(), std::nullopt;
  Event event;
  auto kind = object.find("kind");
  if (kind == object.end() || !kind->is_string() || kind->get<std::string>().empty())
    return error = "field 'kind' must be a non-empty string", std::nullopt;
  event.kind = kind->get<std::string>();
  auto t = object.find("t_ns");
  if (t == object.end() || !has_type(*t, T::unsigned_integer) || !has_type(*t, T::integer))
    return error = "field 't_ns' must be a non-negative integer (CLOCK_MONOTONIC nanoseconds)", std::nullopt;
  event.t_ns = t->get<std::int64_t>();
  auto source = object.find("source");
  if (source == object.end() || !source->is_string()) return error = "field 'source' must be a string", std::nullopt;
  event.source = source->get<std::string>();
  const KindSpec* spec = find_kind(event.kind);
  if (auto id = object.find("routerId"); id != object.end()) {
    if (!id->is_number_unsigned() && !(id->is_number_integer() && id->get<std::int64_t>() >= 0))
      return error = "field 'routerId' must be a non-negative integer, got " + id->dump(), std::nullopt;
    event.router_id = id->get<std::uint64_t>();
  } else if (spec && spec->needs_router_id) {
    return error = "'" + event.kind + "' event: missing field 'routerId'", std::nullopt;
  }
  if (spec && !check_fields(*spec, object, error)) return std::nullopt;
  for (auto key : kCommonKeys) object.erase(std::string(key));
  event.fields = std::move(object);
  return event;
}

}  // namespace wsfo::history
