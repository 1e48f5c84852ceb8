#pragma once
// The seed client's console lines (issue 4, item 4), for one or a few
// clients: `connected:1111`, `msg: ...`, `!!! redirecting... from ... to ...`,
// `disconnected`, `!!! reconnecting in ...1500 ms`. With several clients in
// the process each line starts with `[routerId] ` so they can be told apart.
#include <cstdint>
#include <string>
#include <string_view>

#include "clients/event_sink.hpp"
#include "core/clients/reconnect_policy.hpp"

namespace wsfo::clients {

class VerbosePrinter {
 public:
  VerbosePrinter(EventSink& sink, bool several_clients) : sink_(sink), prefixed_(several_clients) {}

  // False when nothing is printed: callers skip building the text.
  bool enabled() const { return sink_.wants_verbose(); }

  void connected(std::uint64_t router_id) const;
  void message(std::uint64_t router_id, std::string_view text) const;
  void redirecting(std::uint64_t router_id, const std::string& from, const std::string& to) const;
  void failed(std::uint64_t router_id, const std::string& reason) const;
  void disconnected(std::uint64_t router_id) const;
  void reconnecting(std::uint64_t router_id, Nanos delay) const;

 private:
  void say(std::uint64_t router_id, const std::string& line) const;

  EventSink& sink_;
  bool prefixed_;
};

}  // namespace wsfo::clients
