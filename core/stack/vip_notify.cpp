#include "core/stack/vip_notify.hpp"

#include <charconv>

#include "core/history/records.hpp"

namespace wsfo::stack {

std::optional<std::string> emulation_state(const std::string& keepalived_state) {
  if (keepalived_state == "MASTER" || keepalived_state == "BACKUP" || keepalived_state == "FAULT")
    return keepalived_state;
  if (keepalived_state == "STOP" || keepalived_state == "DELETED") return std::string(kInitialVipState);
  return std::nullopt;
}

std::optional<VipNotification> parse_vip_notify(const std::vector<std::string>& args, std::string& error) {
  if (args.size() != 4) {
    error = "expected the 4 arguments keepalived appends (INSTANCE <name> <state> <priority>), got " +
            std::to_string(args.size());
    return std::nullopt;
  }
  if (args[0] != "INSTANCE") {
    error = "expected INSTANCE as the first argument, got \"" + args[0] + "\" (sync groups are not used)";
    return std::nullopt;
  }
  if (args[1].empty()) {
    error = "the instance name is empty";
    return std::nullopt;
  }
  VipNotification notification;
  notification.instance = args[1];
  auto state = emulation_state(args[2]);
  if (!state) {
    error = "unknown state \"" + args[2] + "\": expected MASTER, BACKUP, FAULT, STOP or DELETED";
    return std::nullopt;
  }
  notification.to = *state;
  const std::string& text = args[3];
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), notification.priority);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || notification.priority < 0 ||
      notification.priority > 255) {
    error = "priority \"" + text + "\" is not an integer in 0-255";
    return std::nullopt;
  }
  return notification;
}

std::string vip_event_line(const VipNotification& notification, const std::string& node, const std::string& from,
                           const std::string& vip_addresses, std::int64_t t_ns) {
  std::string line;
  const std::string& vip = vip_addresses.empty() ? notification.instance : vip_addresses;
  history::append_line(line, history::Stamp{t_ns, node, std::nullopt},
                       history::VipRecord{notification.instance, node, vip, from, notification.to, kNotifyReason,
                                          notification.priority});
  return line;
}

std::string vip_notify_state_file(const std::string& state_dir, const std::string& node) {
  return state_dir + "/vip-notify-state-" + node + ".json";
}

}  // namespace wsfo::stack
