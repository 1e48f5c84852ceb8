#include "core/stack/mapped_scenario.hpp"

namespace wsfo::stack {

scenario::Scenario mapped_scenario(const scenario::Scenario& scenario, const AddressMap& map) {
  scenario::Scenario mapped = scenario;
  for (auto& unit : mapped.units) {
    for (auto& node : unit.nodes) node.address = map.map(node.address);
    for (auto& vip : unit.vips) vip.address = map.map(vip.address);
    for (auto& backend : unit.backends) backend.address = map.map(backend.address);
  }
  for (auto& group : mapped.clients) {
    // Only an address is mapped: a name resolves through the name map, which
    // is built from the mapped node and VIP addresses.
    if (map.find(group.url.host)) {
      group.url.host = map.map(group.url.host);
      group.url.text = map.map_url(group.url.text);
    }
    if (group.address) group.address = map.map(*group.address);
  }
  for (auto& event : mapped.timeline)
    if (auto* add = std::get_if<scenario::BackendAdd>(&event.action)) add->backend.address = map.map(add->backend.address);
  return mapped;
}

}  // namespace wsfo::stack
