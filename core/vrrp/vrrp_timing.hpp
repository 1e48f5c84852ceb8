#pragma once
// VRRP timer formulas (DESIGN.md §1 "LB node, VIP, VRRP"; RFC 5798 §6.1).
// Pure functions of the priority and the advertisement interval, kept apart
// from the state machine so tests can check them to the nanosecond.
#include <chrono>
#include <cstdint>

namespace wsfo::vrrp {

using Duration = std::chrono::nanoseconds;
// A moment on the caller's clock (monotonic, any epoch): the state machine
// never reads a clock itself.
using TimePoint = std::chrono::nanoseconds;

enum class Variant {
  rfc5798,        // VRRPv3: skew scales with the (learned) Master_Adver_Interval
  keepalived_v2,  // keepalived's VRRPv2: skew is (256 - priority)/256 s whatever the interval
};

constexpr int kOwnerPriority = 255;  // the address owner
constexpr int kResignPriority = 0;   // sent by a master that stops or fails
constexpr int kMaxBackupPriority = 254;

// Skew_Time = ((256 - priority) * Master_Adver_Interval) / 256 under RFC 5798.
// Nanoseconds keep the RFC's example values exact: (256 - 50) * 1 s / 256 = 0.8046875 s.
constexpr Duration skew_time(Variant variant, int priority, Duration master_adver_interval) {
  const std::int64_t headroom = 256 - priority;
  const Duration base = variant == Variant::keepalived_v2 ? Duration(std::chrono::seconds(1)) : master_adver_interval;
  return Duration(headroom * base.count() / 256);
}

// Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time.
constexpr Duration master_down_interval(Variant variant, int priority, Duration master_adver_interval) {
  return 3 * master_adver_interval + skew_time(variant, priority, master_adver_interval);
}

}  // namespace wsfo::vrrp
