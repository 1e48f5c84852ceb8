#include "core/vrrp/vrrp_events.hpp"

namespace wsfo::vrrp {

namespace {

history::Event make_event(const std::string& kind, const std::string& node, TimePoint now, history::Json fields) {
  history::Event event;
  event.kind = kind;
  event.t_ns = now.count();
  event.source = node;
  event.fields = std::move(fields);
  return event;
}

}  // namespace

std::string joined_vips(const AgentInstance& instance) {
  std::string text;
  for (const auto& vip : instance.vips) text += (text.empty() ? "" : ",") + vip.address;
  return text;
}

std::optional<history::Event> history_event(const Action& action, const std::string& node,
                                            const AgentInstance& instance, int effective_priority, TimePoint now) {
  if (const auto* changed = std::get_if<StateChanged>(&action))
    return make_event("vip", node, now,
                      {{"instance", instance.name},
                       {"node", node},
                       {"vip", joined_vips(instance)},
                       {"from", to_string(changed->from)},
                       {"to", to_string(changed->to)},
                       {"reason", changed->reason},
                       {"priority", effective_priority}});
  if (const auto* priority = std::get_if<PriorityChanged>(&action))
    return make_event("vip-priority", node, now,
                      {{"instance", instance.name}, {"node", node}, {"from", priority->from}, {"to", priority->to}});
  return std::nullopt;
}

history::Event bind_event(const std::string& kind, const std::string& node, const AgentInstance& instance,
                          const VipAddress& vip, const std::string& reason, TimePoint now) {
  return make_event(
      kind, node, now,
      {{"instance", instance.name}, {"node", node}, {"vip", vip.address}, {"port", vip.port}, {"reason", reason}});
}

}  // namespace wsfo::vrrp
