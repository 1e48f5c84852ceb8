#pragma once
// The two stacks `wsfo bench takeover` measures side by side, behind one
// interface: two VRRP nodes "a" (priority 100) and "b" (50), one VIP,
// advert_int 1 s, preempt, no track script. The emulation runs two
// `wsfo vrrp-agent` processes on loopback; the real stack runs keepalived in
// the two node namespaces of a testbed, its notify writing `vip` events
// through `wsfo vip-notify`.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/history/event.hpp"
#include "core/vrrp/takeover_timing.hpp"

namespace wsfo::bench {

inline const std::string kTakeoverHigher = "a";  // the first MASTER, priority 100
inline const std::string kTakeoverLower = "b";   // the backup, priority 50
inline const std::string kEmulationStack = "wsfo";
inline const std::string kKeepalivedStack = "nginx-keepalived";

class TakeoverStack {
 public:
  virtual ~TakeoverStack() = default;
  virtual std::string name() const = 0;
  // A fresh start: every process of both nodes gone, the VIP on neither, no
  // events, no captured adverts. "" or what failed.
  virtual std::string reset() = 0;
  // Starts node kTakeoverHigher or kTakeoverLower; returns once the process is spawned.
  virtual std::string start(const std::string& node) = 0;
  // SIGKILL: every process of the node (keepalived and its children); SIGTERM:
  // the VRRP daemon only, which resigns with a priority-0 advert. Returns once
  // the signal is sent and the node's processes have been reaped.
  virtual std::string fault(const std::string& node, int signal) = 0;
  // The `vip` events both nodes wrote since reset(), CLOCK_MONOTONIC.
  virtual std::vector<history::Event> events() = 0;
  // When kTakeoverLower received kTakeoverHigher's adverts since reset(), CLOCK_MONOTONIC ns.
  virtual std::vector<std::int64_t> adverts_heard() = 0;
};

struct TakeoverStackFiles {
  std::string wsfo;  // the wsfo binary: `vrrp-agent`, and keepalived's notify `vip-notify`
  std::string keepalived = "/usr/sbin/keepalived";
  std::string work_dir;  // configs, events, logs; one subdirectory per stack
};

// nullptr with a one-line `error` when the stack cannot run here (no raw
// socket, no namespaces, no keepalived, a config that does not render).
std::unique_ptr<TakeoverStack> make_emulation_stack(const TakeoverStackFiles& files, const vrrp::TakeoverSetup& setup,
                                                    std::string& error);
std::unique_ptr<TakeoverStack> make_keepalived_stack(const TakeoverStackFiles& files, const vrrp::TakeoverSetup& setup,
                                                     std::string& error);

// "" when `stack` can run here, else one line naming what is missing (checked
// without starting anything: binaries, root for raw sockets and namespaces).
std::string takeover_stack_unavailable_reason(const std::string& stack, const TakeoverStackFiles& files);

}  // namespace wsfo::bench
