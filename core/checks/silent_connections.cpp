#include "core/checks/silent_connections.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/checks/event_fields.hpp"
#include "core/clients/ws_url.hpp"

namespace wsfo::checks {

namespace {

struct OpenConnection {
  std::string node;
  std::string host;  // the address the client dialled
  std::string group;
};

struct DeadConnection {
  std::string group;
  std::int64_t dead_since_ns = 0;
  int window = -1;
};

std::vector<std::string> split_addresses(const std::string& joined) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= joined.size()) {
    std::size_t comma = joined.find(',', start);
    if (comma == std::string::npos) comma = joined.size();
    if (comma > start) out.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string host_of(const std::string& url) {
  std::string error;
  auto parsed = clients::parse_ws_url(url, error);
  return parsed ? parsed->host : std::string();
}

class Tracker {
 public:
  Tracker(std::span<const history::Event> history, std::span<const EventWindow> windows)
      : history_(history), windows_(windows) {}

  void run() {
    for (next_ = 0; next_ < history_.size(); ++next_) on(history_[next_]);
  }

  void on(const history::Event& event) {
    if (event.kind == "connected" && event.router_id) {
      open_[*event.router_id] = {field_string(event, "node"), host_of(field_string(event, "url")), event.source};
    } else if (event.kind == "disconnected" && event.router_id) {
      open_.erase(*event.router_id);
      noticed(*event.router_id, event.t_ns);
    } else if (event.kind == "vip") {
      on_vip(event);
    }
  }

  std::vector<SilentWindow> result() {
    for (const auto& [id, dead] : dead_) {  // never noticed
      SilentGroup& g = group(dead.window, dead.group);
      ++g.affected;
      ++g.not_noticed;
      g.clients.push_back({id, dead.dead_since_ns, std::nullopt});
    }
    std::vector<SilentWindow> out;
    for (auto& [window, groups] : by_window_) {
      SilentWindow w{static_cast<std::size_t>(window), {}};
      for (auto& [name, g] : groups) w.groups.push_back(std::move(g));
      out.push_back(std::move(w));
    }
    return out;
  }

 private:
  void on_vip(const history::Event& event) {
    std::string instance = field_string(event, "instance"), node = field_string(event, "node");
    Holder& holder = holders_[instance];
    if (field_string(event, "to") == "MASTER") {
      if (!holder.node.empty() && holder.node != node) {
        int window = window_of(windows_, event.t_ns);
        // A preempted holder says it left a moment later; one that was killed
        // or powered off never does, and was dead since its event.
        auto left = old_holder_left(instance, holder.node);
        std::int64_t since = left ? std::min(*left, event.t_ns) : window >= 0 ? windows_[window].start_ns : event.t_ns;
        lost(holder.node, holder.addresses, since, window);
      }
      holder = {node, split_addresses(field_string(event, "vip"))};
    } else if (field_string(event, "from") == "MASTER" && holder.node == node) {
      lost(node, holder.addresses, event.t_ns, window_of(windows_, event.t_ns));
      holder = {};
    }
  }

  std::optional<std::int64_t> old_holder_left(const std::string& instance, const std::string& node) const {
    const std::int64_t until = history_[next_].t_ns + kOldHolderAnswersNs;
    for (std::size_t i = next_ + 1; i < history_.size() && history_[i].t_ns <= until; ++i) {
      const history::Event& e = history_[i];
      if (e.kind == "vip" && field_string(e, "instance") == instance && field_string(e, "node") == node &&
          field_string(e, "from") == "MASTER")
        return e.t_ns;
    }
    return std::nullopt;
  }

  void lost(const std::string& node, const std::vector<std::string>& addresses, std::int64_t since, int window) {
    // Before the first window, or after the last one given (a caller may pass one window).
    if (window < 0 || history_[next_].t_ns >= windows_[window].end_ns) return;
    for (auto it = open_.begin(); it != open_.end();) {
      bool via_vip = false;
      for (const auto& a : addresses) via_vip = via_vip || a == it->second.host;
      if (it->second.node == node && via_vip) {
        dead_[it->first] = {it->second.group, since, window};
        it = open_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void noticed(std::uint64_t id, std::int64_t t_ns) {
    auto it = dead_.find(id);
    if (it == dead_.end()) return;
    const DeadConnection& dead = it->second;
    SilentGroup& g = group(dead.window, dead.group);
    ++g.affected;
    std::int64_t delay = t_ns - dead.dead_since_ns;
    if (t_ns >= windows_[dead.window].end_ns)
      ++g.not_noticed;
    else if (delay <= kNoticedAtOnceNs)
      ++g.noticed_at_once;
    else
      ++g.noticed_later;
    if (t_ns < windows_[dead.window].end_ns) g.delay.add(std::chrono::nanoseconds(delay));
    g.clients.push_back({id, dead.dead_since_ns, t_ns});
    dead_.erase(it);
  }

  SilentGroup& group(int window, const std::string& name) {
    SilentGroup& g = by_window_[window][name];
    g.group = name;
    return g;
  }

  struct Holder {
    std::string node;
    std::vector<std::string> addresses;
  };

  // A live master hears the new one's first advert within an advert interval.
  static constexpr std::int64_t kOldHolderAnswersNs = 2'000'000'000;

  std::span<const history::Event> history_;
  std::size_t next_ = 0;
  std::span<const EventWindow> windows_;
  std::unordered_map<std::uint64_t, OpenConnection> open_;
  std::unordered_map<std::uint64_t, DeadConnection> dead_;
  std::map<std::string, Holder> holders_;
  std::map<int, std::map<std::string, SilentGroup>> by_window_;
};

}  // namespace

std::uint64_t SilentWindow::silent() const {
  std::uint64_t n = 0;
  for (const auto& g : groups) n += g.noticed_later + g.not_noticed;
  return n;
}

std::vector<SilentWindow> find_silent_connections(std::span<const history::Event> history,
                                                  std::span<const EventWindow> windows) {
  Tracker tracker(history, windows);
  tracker.run();
  return tracker.result();
}

}  // namespace wsfo::checks
