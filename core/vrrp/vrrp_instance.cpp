#include "core/vrrp/vrrp_instance.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/vrrp/ipv4_address.hpp"

// Transitions (RFC 5798 §6.4 plus keepalived's FAULT), "eff" being the
// effective priority (base priority adjusted by the track weight):
//
//   state       event                                   -> actions, next state
//   Initialize  start, track down & weight 0            -> Fault
//   Initialize  start, eff 255 (address owner)          -> advert, take VIP, advert timer; Master
//   Initialize  start, otherwise                        -> down timer = Master_Down_Interval; Backup
//   Backup      down timer fires                        -> advert, take VIP, advert timer; Master
//   Backup      advert priority 0                       -> down timer = Skew_Time
//   Backup      advert >= eff, or nopreempt,
//               or lower but within preempt_delay       -> learn interval (v3), down timer = MDI
//   Backup      advert < eff with preempt               -> discard (the down timer will fire)
//   Master      advert timer fires                      -> advert, advert timer
//   Master      advert priority 0                       -> advert at once, advert timer
//   Master      advert > eff, or = eff from a higher
//               address                                 -> release VIP, down timer = MDI; Backup
//   Master      lower advert                            -> discard (RFC); advert at once (keepalived)
//   Backup/Master track down & weight 0                 -> (Master: advert 0, release VIP) cancel timer; Fault
//   Fault       track up                                -> as from Initialize
//   any         shutdown                                -> (Master: advert 0, release VIP) cancel timer; Initialize

namespace wsfo::vrrp {

namespace {

std::string format_seconds(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f s", std::chrono::duration<double>(d).count());
  return text;
}

bool whole_seconds(Duration d) { return d.count() % 1'000'000'000 == 0; }

}  // namespace

const char* to_string(State state) {
  switch (state) {
    case State::initialize:
      return "INITIALIZE";
    case State::backup:
      return "BACKUP";
    case State::master:
      return "MASTER";
    case State::fault:
      return "FAULT";
  }
  return "?";
}

std::vector<std::string> validate(const InstanceConfig& config) {
  std::vector<std::string> problems;
  if (config.vrid < 1 || config.vrid > 255) {
    problems.push_back("virtual_router_id " + std::to_string(config.vrid) + " is outside 1-255");
  }
  if (config.priority < 1 || config.priority > kOwnerPriority) {
    problems.push_back("priority " + std::to_string(config.priority) + " is outside 1-255");
  }
  if (config.variant == Variant::rfc5798) {
    // The advert carries the interval in 12 bits of centiseconds.
    if (config.advert_interval < std::chrono::milliseconds(10) ||
        config.advert_interval > std::chrono::milliseconds(40950)) {
      problems.push_back("advert_int " + format_seconds(config.advert_interval) +
                         " is outside 0.01-40.95 s (VRRPv3 centiseconds)");
    } else if (config.advert_interval % std::chrono::milliseconds(10) != Duration::zero()) {
      problems.push_back("advert_int " + format_seconds(config.advert_interval) +
                         " is not a whole number of centiseconds (VRRPv3)");
    }
  } else if (config.advert_interval < std::chrono::seconds(1) || config.advert_interval > std::chrono::seconds(255) ||
             !whole_seconds(config.advert_interval)) {
    problems.push_back("advert_int " + format_seconds(config.advert_interval) +
                       " must be whole seconds 1-255 under VRRPv2");
  }
  if (config.preempt_delay < Duration::zero()) problems.push_back("preempt_delay must not be negative");
  if (config.track) {
    if (config.track->fall < 1) problems.push_back("track fall must be at least 1");
    if (config.track->rise < 1) problems.push_back("track rise must be at least 1");
    if (config.track->weight < -kMaxBackupPriority || config.track->weight > kMaxBackupPriority) {
      problems.push_back("track weight " + std::to_string(config.track->weight) + " is outside -254..254");
    }
  }
  return problems;
}

std::string describe(const Action& action) {
  struct Describer {
    std::string operator()(const SendAdvert& a) const {
      return "send advert priority " + std::to_string(a.priority) + " interval " + format_seconds(a.interval);
    }
    std::string operator()(const TakeVip&) const { return "take VIP"; }
    std::string operator()(const ReleaseVip&) const { return "release VIP"; }
    std::string operator()(const SetTimer& a) const {
      return a.at ? "wake at " + format_seconds(*a.at) : std::string("cancel timer");
    }
    std::string operator()(const StateChanged& a) const {
      return std::string(to_string(a.from)) + " -> " + to_string(a.to) + " (" + a.reason + ")";
    }
    std::string operator()(const PriorityChanged& a) const {
      return "priority " + std::to_string(a.from) + " -> " + std::to_string(a.to);
    }
  };
  return std::visit(Describer{}, action);
}

VrrpInstance::VrrpInstance(InstanceConfig config)
    : config_(std::move(config)), master_adver_interval_(config_.advert_interval) {
  const auto problems = validate(config_);
  if (!problems.empty()) {
    std::string message = "invalid VRRP instance config:";
    for (const auto& problem : problems) message += " " + problem + ";";
    throw std::invalid_argument(message);
  }
  if (config_.track) track_up_ = config_.track->initially_up;
}

int VrrpInstance::effective_priority() const {
  // The address owner keeps 255 whatever its track says (a weight-0 track can still fault it).
  if (config_.priority == kOwnerPriority) return kOwnerPriority;
  int priority = config_.priority;
  if (config_.track) {
    const int weight = config_.track->weight;
    if ((weight > 0 && track_up_) || (weight < 0 && !track_up_)) priority += weight;
  }
  return std::clamp(priority, 1, kMaxBackupPriority);
}

bool VrrpInstance::faulted_by_track() const { return config_.track && config_.track->weight == 0 && !track_up_; }

Duration VrrpInstance::down_interval() const {
  return master_down_interval(config_.variant, effective_priority(), master_adver_interval_);
}

// ---------------------------------------------------------------- events

Actions VrrpInstance::start(TimePoint now) {
  Actions actions;
  if (state_ == State::initialize) enter_from_initialize(now, "startup", actions);
  return actions;
}

Actions VrrpInstance::on_advert(TimePoint now, const Advert& advert) {
  if (advert.source == config_.address) return {};  // our own advert, looped back
  if (advert.priority < 0 || advert.priority > kOwnerPriority || advert.interval <= Duration::zero()) return {};
  // keepalived's VRRPv2 drops adverts whose interval differs from its own.
  if (config_.variant == Variant::keepalived_v2 && advert.interval != config_.advert_interval) return {};
  switch (state_) {
    case State::backup:
      return advert_in_backup(now, advert);
    case State::master:
      return advert_in_master(now, advert);
    case State::initialize:
    case State::fault:
      return {};
  }
  return {};
}

Actions VrrpInstance::on_timer(TimePoint now) {
  Actions actions;
  if (!deadline_ || now < *deadline_) return actions;
  if (state_ == State::backup) {
    become_master(now, deadline_reason_, actions);
  } else if (state_ == State::master) {
    actions.emplace_back(SendAdvert{effective_priority(), config_.advert_interval});
    arm(now + config_.advert_interval, "advert timer", actions);
  }
  return actions;
}

Actions VrrpInstance::on_track_result(TimePoint now, bool healthy) {
  if (!config_.track) return {};
  if (healthy == track_up_) {
    track_streak_ = 0;
    return {};
  }
  ++track_streak_;
  const int needed = track_up_ ? config_.track->fall : config_.track->rise;
  if (track_streak_ < needed) return {};
  const int priority_before = effective_priority();
  track_up_ = healthy;
  track_streak_ = 0;
  return on_track_change(now, priority_before);
}

Actions VrrpInstance::shutdown(TimePoint /*now*/) {
  Actions actions;
  if (state_ == State::initialize) return actions;
  const bool was_master = state_ == State::master;
  change_state(State::initialize, "shutdown", actions);
  if (was_master) {
    actions.emplace_back(SendAdvert{kResignPriority, config_.advert_interval});
    actions.emplace_back(std::in_place_type<ReleaseVip>);
  }
  arm(std::nullopt, "", actions);
  return actions;
}

// ---------------------------------------------------------------- adverts

bool VrrpInstance::outranks_us(const Advert& advert) const {
  const int ours = effective_priority();
  return advert.priority > ours || (advert.priority == ours && advert.source > config_.address);
}

// Whether a backup lets this advert hold it back (RFC 5798 §6.4.2), with
// keepalived's preempt_delay: "seconds after startup or seeing a lower
// priority master until preemption". The delay window opens at startup, is
// pushed back whenever a higher master is heard, and otherwise opens at the
// first lower-priority advert.
bool VrrpInstance::accept_in_backup(TimePoint now, const Advert& advert) {
  const int ours = effective_priority();
  const bool delaying = config_.preempt_delay > Duration::zero();
  if (delaying && advert.priority > ours) preempt_allowed_from_ = now + config_.preempt_delay;
  if (!config_.preempt || advert.priority >= ours) return true;
  if (!delaying) return false;
  if (!preempt_allowed_from_) preempt_allowed_from_ = now + config_.preempt_delay;
  return now < *preempt_allowed_from_;
}

Actions VrrpInstance::advert_in_backup(TimePoint now, const Advert& advert) {
  Actions actions;
  const std::string from = format_ipv4(advert.source);
  if (advert.priority == kResignPriority) {
    const Duration skew = skew_time(config_.variant, effective_priority(), master_adver_interval_);
    arm(now + skew, "master " + from + " resigned (priority 0), Skew_Time " + format_seconds(skew) + " elapsed",
        actions);
    return actions;
  }
  if (!accept_in_backup(now, advert)) return actions;  // lower master: let the down timer preempt it
  if (config_.variant == Variant::rfc5798) master_adver_interval_ = advert.interval;
  arm(now + down_interval(), "no advert from " + from + " for Master_Down_Interval " + format_seconds(down_interval()),
      actions);
  return actions;
}

Actions VrrpInstance::advert_in_master(TimePoint now, const Advert& advert) {
  Actions actions;
  const int ours = effective_priority();
  if (advert.priority == kResignPriority) {
    // Another master resigned: assert ourselves at once so backups do not take over.
    actions.emplace_back(SendAdvert{ours, config_.advert_interval});
    arm(now + config_.advert_interval, "advert timer", actions);
  } else if (outranks_us(advert)) {
    if (config_.variant == Variant::rfc5798) master_adver_interval_ = advert.interval;
    const std::string reason = "advert priority " + std::to_string(advert.priority) + " from " +
                               format_ipv4(advert.source) + " outranks ours " + std::to_string(ours);
    become_backup(now, reason, actions);
  } else if (config_.variant == Variant::keepalived_v2) {
    // keepalived answers a lower-priority master with an advert at once (forcing a new election).
    actions.emplace_back(SendAdvert{ours, config_.advert_interval});
  }
  return actions;
}

// ---------------------------------------------------------------- track

Actions VrrpInstance::on_track_change(TimePoint now, int priority_before) {
  Actions actions;
  const int priority_after = effective_priority();
  if (priority_after != priority_before)
    actions.emplace_back(PriorityChanged{priority_before, priority_after});
  if (faulted_by_track() && (state_ == State::master || state_ == State::backup)) {
    const bool was_master = state_ == State::master;
    change_state(State::fault, "track script down", actions);
    if (was_master) {
      actions.emplace_back(SendAdvert{kResignPriority, config_.advert_interval});
      actions.emplace_back(std::in_place_type<ReleaseVip>);
    }
    arm(std::nullopt, "", actions);
  } else if (!faulted_by_track() && state_ == State::fault) {
    enter_from_initialize(now, "track script up", actions);
  }
  return actions;
}

// ---------------------------------------------------------------- transitions

void VrrpInstance::enter_from_initialize(TimePoint now, const std::string& reason, Actions& actions) {
  master_adver_interval_ = config_.advert_interval;
  if (faulted_by_track()) {
    change_state(State::fault, reason + ", track script down", actions);
    arm(std::nullopt, "", actions);
  } else if (effective_priority() == kOwnerPriority) {
    become_master(now, reason + ", address owner (priority 255)", actions);
  } else {
    become_backup(now, reason, actions);
  }
}

void VrrpInstance::become_master(TimePoint now, const std::string& reason, Actions& actions) {
  change_state(State::master, reason, actions);
  actions.emplace_back(SendAdvert{effective_priority(), config_.advert_interval});
  actions.emplace_back(std::in_place_type<TakeVip>);
  arm(now + config_.advert_interval, "advert timer", actions);
}

void VrrpInstance::become_backup(TimePoint now, const std::string& reason, Actions& actions) {
  const bool was_master = state_ == State::master;
  change_state(State::backup, reason, actions);
  if (was_master) actions.emplace_back(std::in_place_type<ReleaseVip>);
  // Leaving Master, the delay waits for a lower master; starting up, it runs from now.
  preempt_allowed_from_.reset();
  if (!was_master && config_.preempt_delay > Duration::zero()) preempt_allowed_from_ = now + config_.preempt_delay;
  arm(now + down_interval(), "no advert for Master_Down_Interval " + format_seconds(down_interval()), actions);
}

void VrrpInstance::change_state(State to, const std::string& reason, Actions& actions) {
  actions.emplace_back(StateChanged{state_, to, reason});
  state_ = to;
}

void VrrpInstance::arm(std::optional<TimePoint> at, std::string reason, Actions& actions) {
  deadline_ = at;
  deadline_reason_ = std::move(reason);
  actions.emplace_back(SetTimer{at});
}

}  // namespace wsfo::vrrp
