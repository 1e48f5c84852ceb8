#pragma once
// `wsfo vrrp-agent`: the VRRP agent on its own, with an echo service on the
// VIPs it holds, so tests and `wsfo run` can exercise VRRP without a gateway.
// Kept free of Asio so the CLI compiles quickly.
#include <optional>
#include <ostream>
#include <string>

#include "core/vrrp/agent_config.hpp"

namespace wsfo::gateway {

struct StandaloneAgentOptions {
  vrrp::AgentConfig config;
  // The track check fails while this file exists (a stand-in for a stopped
  // gateway); empty: always healthy.
  std::string unhealthy_file;
};

// Prints history events as JSON lines on `out` (flushed each): a
// `vrrp-agent` event with "state":"started" once the advert socket is bound
// and the instances started (after their INITIALIZE -> BACKUP events), one
// with "stopped" and the drop counters last. SIGTERM/SIGINT: graceful stop,
// returns 0. SIGUSR1: blocks every peer (partition), SIGUSR2 unblocks them.
// Returns 3 when the advert socket cannot be bound.
int run_standalone_agent(const StandaloneAgentOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wsfo::gateway
