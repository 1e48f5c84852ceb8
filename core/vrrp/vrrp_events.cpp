#include "core/vrrp/vrrp_events.hpp"

#include "core/history/records.hpp"

namespace wsfo::vrrp {

std::string joined_vips(const AgentInstance& instance) {
  std::string text;
  for (const auto& vip : instance.vips) text += (text.empty() ? "" : ",") + vip.address;
  return text;
}

std::optional<history::Event> history_event(const Action& action, const std::string& node,
                                            const AgentInstance& instance, int effective_priority, TimePoint now) {
  const history::Stamp stamp{now.count(), node, std::nullopt};
  if (const auto* changed = std::get_if<StateChanged>(&action)) {
    const std::string vips = joined_vips(instance);
    return history::make_event(stamp, history::VipRecord{instance.name, node, vips, to_string(changed->from),
                                                         to_string(changed->to), changed->reason, effective_priority});
  }
  if (const auto* priority = std::get_if<PriorityChanged>(&action))
    return history::make_event(stamp, history::VipPriorityRecord{instance.name, node, priority->from, priority->to});
  return std::nullopt;
}

history::Event bind_event(bool bound, const std::string& node, const AgentInstance& instance, const VipAddress& vip,
                          const std::string& reason, TimePoint now) {
  return history::make_event({now.count(), node, std::nullopt},
                             history::VipBindRecord{bound, instance.name, node, vip.address, reason, vip.port});
}

history::Event agent_event(const std::string& node, const std::string& state, history::Json extra, TimePoint now) {
  history::Event event;
  event.kind = "vrrp-agent";
  event.t_ns = now.count();
  event.source = node;
  event.fields = {{"node", node}, {"state", state}};
  event.fields.update(extra);
  return event;
}

}  // namespace wsfo::vrrp
