#pragma once
// The scenario as the real stack plays it: every address it names replaced by
// the address the testbed gives it, so that the same scenario file plays on
// both stacks and everything downstream (the live plan, nginx's and
// keepalived's configs, the clients' name map) is built as for loopback.
#include "core/scenario/scenario.hpp"
#include "core/stack/address_map.hpp"

namespace wsfo::stack {

scenario::Scenario mapped_scenario(const scenario::Scenario& scenario, const AddressMap& map);

}  // namespace wsfo::stack
