#pragma once
// One record of the event history (docs/history.md): what every process of a
// run (clients, gateways, VRRP agents, the orchestrator) and the SimGrid model
// write, one JSON object per line, so histories merge by timestamp.
//
// Every event has a `kind`, a CLOCK_MONOTONIC timestamp `t_ns` (shared by all
// processes of one machine), a `source` (which process or client group wrote
// it) and, when it concerns one client, its `routerId`. The other fields
// depend on the kind; the known kinds and their fields are listed in
// kKnownKinds so that readers can check them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wsfo::history {

using Json = nlohmann::json;

struct Event {
  std::string kind;
  std::int64_t t_ns = 0;
  std::string source;
  std::optional<std::uint64_t> router_id;
  Json fields = Json::object();  // per-kind fields, never the four above

  bool operator==(const Event&) const = default;
};

enum class FieldType { string, integer, unsigned_integer };

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required;
};

struct KindSpec {
  std::string_view kind;
  bool needs_router_id;
  std::span<const FieldSpec> fields;
};

// The kinds this version knows. Lines of other kinds are accepted with their
// common fields checked, so newer writers do not break older readers.
std::span<const KindSpec> known_kinds();
const KindSpec* find_kind(std::string_view kind);

// One line of JSON, without the trailing newline. Keys: t_ns, kind, source,
// routerId (when set), then the per-kind fields.
std::string to_json_line(const Event& event);

// Parses and checks one line; nullopt with a one-line `error` naming the
// field and what was expected.
std::optional<Event> parse_event_line(std::string_view line, std::string& error);

}  // namespace wsfo::history
