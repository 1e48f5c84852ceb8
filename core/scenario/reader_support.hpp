#pragma once
// Pieces shared by the section readers of scenario_loader: names, loopback
// addresses, ports, URLs, and the registries that catch duplicates.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::scenario::detail {

using json::Json;
using json::ObjectReader;
using json::Problems;

// A name: letters, digits, '.', '_' or '-' (it appears in reports, logs and flags).
std::optional<std::string> read_name(ObjectReader& reader, const std::string& key, bool required = true);
// A name given as an array element or any value at `pointer`.
std::optional<std::string> name_value(const Json& value, const std::string& pointer, Problems& problems);
// 127.x.y.z: the live plan runs on loopback only.
std::optional<std::string> read_loopback(ObjectReader& reader, const std::string& key, bool required = true);
std::optional<std::uint16_t> read_port(ObjectReader& reader, const std::string& key);
// A DNS name such as "center.websocket.msha.tech".
std::optional<std::string> read_hostname(ObjectReader& reader, const std::string& key);
// A WebSocket URL whose scheme agrees with the scenario's `"tls"`: wss://
// with it, ws:// without (the run either terminates TLS everywhere or nowhere).
std::optional<WsUrl> read_ws_url(ObjectReader& reader, const std::string& key, bool tls);
bool is_loopback_ipv4(const std::string& text);

// Names of one kind (units, nodes, ...) and where each was defined.
class NameRegistry {
 public:
  explicit NameRegistry(std::string kind) : kind_(std::move(kind)) {}
  // False, with a problem naming the first definition, when `name` is taken.
  bool claim(const std::string& name, const std::string& pointer, Problems& problems);
  bool contains(const std::string& name) const { return defined_.count(name) != 0; }

 private:
  std::string kind_;
  std::map<std::string, std::string> defined_;
};

// Every address:port a process of the live plan binds, and who binds it.
class EndpointRegistry {
 public:
  bool claim(const std::string& address, std::uint16_t port, const std::string& owner_pointer,
             const std::string& pointer, Problems& problems);

 private:
  std::map<std::pair<std::string, std::uint16_t>, std::string> owners_;
};

// Names and endpoints claimed while reading a scenario.
struct Registries {
  NameRegistry units{"unit"};
  NameRegistry nodes{"node"};
  NameRegistry vips{"VIP"};
  NameRegistry backends{"backend"};
  NameRegistry groups{"client group"};
  EndpointRegistry endpoints;
  // Host addresses (nodes, VIPs, client sources) that must not be shared.
  NameRegistry host_addresses{"address"};
};

// Calls read(element, pointer) for each element of the array at `key`; false
// when the key is absent or not an array. Fewer than `min_items` is a problem.
template <class Read>
bool for_each_element(ObjectReader& reader, const std::string& key, bool required, std::size_t min_items, Read read) {
  const Json* list = reader.array(key, required);
  if (!list) return false;
  if (list->size() < min_items) {
    reader.problems().add(reader.pointer_of(key), "expected at least " + std::to_string(min_items) +
                                                      (min_items == 1 ? " element" : " elements") + ", got " +
                                                      std::to_string(list->size()));
  }
  for (std::size_t i = 0; i < list->size(); ++i) read((*list)[i], json::pointer_append(reader.pointer_of(key), i));
  return true;
}

// Section readers; each reports problems with pointers under `pointer`.
std::vector<Unit> read_units(const Json& value, const std::string& pointer, Problems& problems, Registries& registries,
                             bool tls);
// `ok` turns false on any problem; the name is empty when name or address are unreadable.
Backend read_backend(const Json& value, const std::string& pointer, Problems& problems, Registries& registries,
                     bool& ok);
std::vector<ClientGroup> read_clients(const Json& value, const std::string& pointer, Problems& problems,
                                      Registries& registries, const Scenario& scenario);
Expectation read_expectation(const Json& value, const std::string& pointer, Problems& problems,
                             const Scenario& scenario);
std::vector<TimelineEvent> read_timeline(const Json& value, const std::string& pointer, Problems& problems,
                                         Registries& registries, const Scenario& scenario);

}  // namespace wsfo::scenario::detail
