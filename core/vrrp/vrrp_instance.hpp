#pragma once
// One VRRP instance (one VIP on one node) as a sans-I/O state machine:
// Initialize, Backup, Master and keepalived's Fault (RFC 5798 §6.4, DESIGN.md
// §1 "LB node, VIP, VRRP"). Callers feed it events with the current time and
// carry out the actions it returns; it never reads a clock, sends a packet or
// binds an address itself, so the live agent and the SimGrid model share it.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/vrrp/vrrp_timing.hpp"

namespace wsfo::vrrp {

enum class State { initialize, backup, master, fault };
const char* to_string(State state);

// keepalived's track_script: `fall` consecutive failed checks mark it down,
// `rise` consecutive good checks mark it up again. Weight 0 puts the instance
// in FAULT while down; a positive weight is added to the priority while up, a
// negative one while down.
struct TrackConfig {
  int fall = 1;
  int rise = 1;
  int weight = 0;
  bool initially_up = true;
};

struct InstanceConfig {
  int vrid = 1;               // 1-255
  std::uint32_t address = 0;  // this node's primary address, host order (parse_ipv4)
  int priority = 100;         // 1-255; 255 is the address owner
  Duration advert_interval = std::chrono::seconds(1);
  bool preempt = true;
  // keepalived's preempt_delay: a backup that may preempt still accepts a
  // lower-priority master's adverts until this long after its startup, after
  // the last higher-priority advert, or (having just left Master) after the
  // first lower-priority advert.
  Duration preempt_delay{};
  Variant variant = Variant::rfc5798;
  std::optional<TrackConfig> track;
};

// Every problem with the config, one message each; empty when usable.
std::vector<std::string> validate(const InstanceConfig& config);

struct Advert {  // a received advertisement, already decoded
  int priority = 0;
  Duration interval{};  // the sender's Max Adver Int
  std::uint32_t source = 0;
};

// ---- actions the caller must carry out, in the order given

struct SendAdvert {
  int priority = 0;
  Duration interval{};
  bool operator==(const SendAdvert&) const = default;
};
struct TakeVip {
  bool operator==(const TakeVip&) const = default;
};
struct ReleaseVip {
  bool operator==(const ReleaseVip&) const = default;
};
// The one wake-up the instance wants: replaces any earlier one; nullopt cancels it.
struct SetTimer {
  std::optional<TimePoint> at;
  bool operator==(const SetTimer&) const = default;
};
// For the event history only: nothing to carry out.
struct StateChanged {
  State from = State::initialize;
  State to = State::initialize;
  std::string reason;
  bool operator==(const StateChanged&) const = default;
};
struct PriorityChanged {
  int from = 0;
  int to = 0;
  bool operator==(const PriorityChanged&) const = default;
};

using Action = std::variant<SendAdvert, TakeVip, ReleaseVip, SetTimer, StateChanged, PriorityChanged>;
using Actions = std::vector<Action>;
std::string describe(const Action& action);

class VrrpInstance {
 public:
  // Throws std::invalid_argument listing validate()'s messages: a config must
  // be validated (with a user-facing message) before an instance is built.
  explicit VrrpInstance(InstanceConfig config);

  Actions start(TimePoint now);
  Actions on_advert(TimePoint now, const Advert& advert);
  // Call when the last SetTimer deadline is reached; an early call does nothing.
  Actions on_timer(TimePoint now);
  // One raw track-script result; fall/rise counting happens here.
  Actions on_track_result(TimePoint now, bool healthy);
  Actions shutdown(TimePoint now);

  State state() const { return state_; }
  int effective_priority() const;
  bool track_up() const { return track_up_; }
  std::optional<TimePoint> deadline() const { return deadline_; }
  // The interval used for Master_Down_Interval: learned from the master's
  // adverts under RFC 5798, always our own under keepalived's VRRPv2.
  Duration master_adver_interval() const { return master_adver_interval_; }
  const InstanceConfig& config() const { return config_; }

 private:
  bool faulted_by_track() const;
  bool outranks_us(const Advert& advert) const;
  bool accept_in_backup(TimePoint now, const Advert& advert);
  Actions advert_in_backup(TimePoint now, const Advert& advert);
  Actions advert_in_master(TimePoint now, const Advert& advert);
  Actions on_track_change(TimePoint now, int priority_before);

  void enter_from_initialize(TimePoint now, const std::string& reason, Actions& actions);
  void become_master(TimePoint now, const std::string& reason, Actions& actions);
  void become_backup(TimePoint now, const std::string& reason, Actions& actions);
  void change_state(State to, const std::string& reason, Actions& actions);
  void arm(std::optional<TimePoint> at, std::string reason, Actions& actions);
  Duration down_interval() const;

  InstanceConfig config_;
  State state_ = State::initialize;
  std::optional<TimePoint> deadline_;
  std::string deadline_reason_;
  Duration master_adver_interval_;
  std::optional<TimePoint> preempt_allowed_from_;
  bool track_up_ = true;
  int track_streak_ = 0;  // consecutive results contradicting track_up_
};

}  // namespace wsfo::vrrp
