#pragma once
// Shared helpers for the VRRP unit tests: seconds as exact nanoseconds, the
// actions rendered as short strings so tables read like a protocol trace.
#include <cmath>
#include <string>
#include <vector>

#include "core/vrrp/ipv4_address.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::vrrp::testing {

// Exact for the binary fractions VRRP produces (k/256 s).
inline Duration s(double seconds) { return Duration(std::llround(seconds * 1e9)); }

inline std::uint32_t ip(const char* text) { return *parse_ipv4(text); }

inline std::string brief(const Action& action) {
  struct Brief {
    std::string operator()(const SendAdvert& a) const { return "advert " + std::to_string(a.priority); }
    std::string operator()(const TakeVip&) const { return "take"; }
    std::string operator()(const ReleaseVip&) const { return "release"; }
    std::string operator()(const SetTimer& a) const {
      return a.at ? "timer " + std::to_string(a.at->count()) : std::string("timer cancel");
    }
    std::string operator()(const StateChanged& a) const {
      return std::string(to_string(a.from)) + "->" + to_string(a.to);
    }
    std::string operator()(const PriorityChanged& a) const {
      return "priority " + std::to_string(a.from) + "->" + std::to_string(a.to);
    }
  };
  return std::visit(Brief{}, action);
}

inline std::vector<std::string> brief(const Actions& actions) {
  std::vector<std::string> out;
  for (const auto& action : actions) out.push_back(brief(action));
  return out;
}

// "timer <ns>" for an expected deadline given in seconds.
inline std::string timer_at(double seconds) { return "timer " + std::to_string(s(seconds).count()); }

}  // namespace wsfo::vrrp::testing
