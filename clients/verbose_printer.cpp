#include "clients/verbose_printer.hpp"

namespace wsfo::clients {

void VerbosePrinter::connected(std::uint64_t router_id) const {
  say(router_id, "connected:" + std::to_string(router_id));
}

void VerbosePrinter::message(std::uint64_t router_id, std::string_view text) const {
  say(router_id, "msg: " + std::string(text) + " ");  // the seed's template literal ends with a space
}

void VerbosePrinter::redirecting(std::uint64_t router_id, const std::string& from, const std::string& to) const {
  // console.log("!!! redirecting... from ", host, " to", location): the separators double the spaces.
  say(router_id, "!!! redirecting... from  " + from + "  to " + to);
}

void VerbosePrinter::failed(std::uint64_t router_id, const std::string& reason) const {
  say(router_id, "err " + reason);
}

void VerbosePrinter::disconnected(std::uint64_t router_id) const { say(router_id, "disconnected"); }

void VerbosePrinter::reconnecting(std::uint64_t router_id, Nanos delay) const {
  say(router_id, "!!! reconnecting in ..." + std::to_string(delay.count() / 1'000'000) + " ms");
}

void VerbosePrinter::say(std::uint64_t router_id, const std::string& line) const {
  if (!sink_.wants_verbose()) return;
  if (prefixed_)
    sink_.say("[" + std::to_string(router_id) + "] " + line);
  else
    sink_.say(line);
}

}  // namespace wsfo::clients
