#pragma once
// Client events for tests that feed checks and reports a history, built with
// core's records as the clients build them.
#include <cstdint>
#include <string>

#include "core/history/records.hpp"

namespace wsfo::test {

// A client of `source` connected to `node` of `unit` without a redirect.
inline history::Event connected_event(std::int64_t t_ns, std::uint64_t router_id, const std::string& unit,
                                      const std::string& node, const std::string& source = "clients-0") {
  return history::make_event({t_ns, source, router_id}, history::ConnectedRecord{"ws://x/", unit, node, "b", "", 1, 0});
}

}  // namespace wsfo::test
