#pragma once
// The VRRP kinds of the event history (docs/history.md): how a node's agent
// reports what its instances did. The live agent (gateway/vrrp_agent) and the
// SimGrid model (simulator/model/sim_vrrp) both write them through these, so a
// `vip` line reads the same whichever engine played the run.
#include <optional>
#include <string>

#include "core/history/event.hpp"
#include "core/vrrp/agent_config.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::vrrp {

// Every VIP address of the instance, joined with ",".
std::string joined_vips(const AgentInstance& instance);

// `vip` for StateChanged, `vip-priority` for PriorityChanged; nullopt for the
// actions that are carried out rather than recorded.
std::optional<history::Event> history_event(const Action& action, const std::string& node,
                                            const AgentInstance& instance, int effective_priority, TimePoint now);

// `vip-bind-failed` or `vip-bound` for one VIP address of the instance.
history::Event bind_event(bool bound, const std::string& node, const AgentInstance& instance, const VipAddress& vip,
                          const std::string& reason, TimePoint now);

// `vrrp-agent`: what the agent itself did (started, stopped, partitioned,
// healed); `extra` holds the fields of that state.
history::Event agent_event(const std::string& node, const std::string& state, history::Json extra, TimePoint now);

}  // namespace wsfo::vrrp
