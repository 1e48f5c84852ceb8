#pragma once
// A client's view of one disconnection, printed the way the seed's client
// prints it ("disconnected", "!!! reconnecting in ...1500 ms", "!!! redirecting...
// from  A  to B", "connected:6249", "msg: Welcome to the server!hangzhou"), rebuilt
// from the merged history so the text report reads like the seed's console.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/history/event.hpp"

namespace wsfo::reports {

// Lines for `router_id` from its first `disconnected` at or after `from_ns`
// through its next `connected` (or `until_ns`), at most `max_lines` (then
// "..."). Empty when it did not disconnect in that span. `history` sorted by t_ns.
std::vector<std::string> seed_trace(std::span<const history::Event> history, std::uint64_t router_id,
                                    std::int64_t from_ns, std::int64_t until_ns, std::size_t max_lines = 12);

// Up to three routerIds to trace out of a sorted set: the first, the middle
// and the last, so a range shows both ends.
std::vector<std::uint64_t> trace_samples(const std::vector<std::uint64_t>& sorted_ids);

}  // namespace wsfo::reports
