#pragma once
// The live client's one random stream, written once so that the model draws
// what the live client draws. A client draws, in this order: one value per
// hop (which of a name's addresses it dials), one per frame it sends (the
// frame's mask: its first message, pings, pongs, its close), and one per
// reconnect delay. With the same run seed both engines therefore dial the
// same addresses and wait the same delays, so a refused attempt on a dead
// node is the same client's in both.
#include <cstddef>
#include <cstdint>

namespace wsfo::clients {

// Clients per `wsfo clients` process in a live run (20,000 descriptors per
// process here); a client's index counts within its process.
inline constexpr std::size_t kMaxClientsPerProcess = 8000;

// The stream's first state for the client with `router_id` at `index` of
// its process's list, under the run's `seed`.
std::uint64_t client_stream_seed(std::uint64_t seed, std::uint64_t router_id, std::uint64_t index);

// The index within a client group's list of the client at `position`, as its
// process counts it.
inline std::uint64_t index_in_process(std::size_t position) { return position % kMaxClientsPerProcess; }

// Which of `count` addresses a hop's draw dials (count > 0).
std::size_t address_pick(std::uint64_t draw, std::size_t count);

}  // namespace wsfo::clients
