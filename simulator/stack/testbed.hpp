#pragma once
// The real stack's network: one network namespace per role (a gateway node,
// the backends, the clients), each with an eth0 whose peer is a port (v<N>) of
// a Linux bridge living in a namespace of its own. Addresses are those of the
// AddressMap (198.18.0.0/15); nothing here touches the host's interfaces or
// routes, and every namespace carries its owner in its name so that a later
// run can clear what a killed run left behind (remove_stale_testbeds).
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "simulator/stack/netns_names.hpp"

namespace wsfo::stack {

struct NamespaceSpec {
  std::string role;                    // "node server1", "backends", "clients"
  std::vector<std::string> addresses;  // on its eth0, each /15
  // "198.19.128.0/24": a `local` route on lo, so clients may bind any source
  // address of it and the namespace answers ARP for them.
  std::vector<std::string> local_ranges;
  // net.ipv4.ip_nonlocal_bind=1: a backup nginx can listen on a VIP it does not hold.
  bool nonlocal_bind = false;
};

class Testbed {
 public:
  // Builds every namespace, the bridge namespace, veths, addresses, lo up,
  // sysctls. On failure: tears down what it built and returns nullptr with a
  // one-line error naming the step and the command's stderr.
  static std::unique_ptr<Testbed> build(const std::vector<NamespaceSpec>& spec, const TestbedOwner& owner,
                                        std::string& error);
  ~Testbed();  // teardown()
  Testbed(const Testbed&) = delete;
  Testbed& operator=(const Testbed&) = delete;

  // "" for a role the testbed does not have.
  std::string namespace_of(const std::string& role) const;
  // {ip, "netns", "exec", NAME}: put in front of a command to run it in the
  // role's namespace; empty for an unknown role.
  std::vector<std::string> exec_prefix(const std::string& role) const;

  // The functions below return "" or a one-line error.

  // Power-off / restore: the bridge's port to the namespace goes down / up,
  // as a cable pulled at the switch; the namespace itself is left as it is.
  std::string set_link(const std::string& role, bool up);
  // Back to the spec's addresses only: a VIP that keepalived left behind when
  // it was SIGKILLed is gone, as after a reboot.
  std::string reset_addresses(const std::string& role);
  // nftables in the namespace: drop IP protocol 112 (VRRP) to and from the
  // address `peer`; block=false removes it. Multicast adverts are dropped on
  // the receiving side only: a partition blocks both nodes, each for the other.
  std::string block_vrrp(const std::string& role, const std::string& peer, bool block);
  std::vector<pid_t> pids(const std::string& role) const;  // every process in the namespace
  std::string kill_all(const std::string& role, int signal);
  // SIGKILL every process of every namespace, then delete the namespaces (and
  // so the veths). Idempotent, and safe from two threads: a second call while
  // the first runs (a quick exit by signal during the run's own teardown)
  // returns once the testbed is gone.
  std::string teardown();

  std::chrono::milliseconds build_time() const { return build_time_; }
  std::chrono::milliseconds teardown_time() const { return teardown_time_; }

 private:
  struct Member {
    NamespaceSpec spec;
    std::string name;         // the namespace
    std::string bridge_port;  // its veth peer in the bridge namespace: v<N>
    std::set<std::string> vrrp_blocked_peers;
  };

  Testbed() = default;
  const Member* find(const std::string& role) const;
  Member* find(const std::string& role);
  std::string build_all();
  std::string run_in(const Member& member, const std::vector<std::string>& command) const;
  std::vector<std::string> address_lines(const Member& member) const;

  std::string ip_;
  std::string bridge_namespace_;
  std::vector<Member> members_;
  std::mutex teardown_mutex_;
  bool torn_down_ = false;
  std::chrono::milliseconds build_time_{0};
  std::chrono::milliseconds teardown_time_{0};
};

// Testbeds (namespaces named wsfo-...) whose owner is dead (pid gone, or
// alive with another start time): their processes killed first, then their
// namespaces removed. Never those of a live owner. Returns the names removed;
// `error` says what could not be removed.
std::vector<std::string> remove_stale_testbeds(std::string& error);

// "" when testbeds can be built here, else one line naming what is missing:
// root / CAP_NET_ADMIN, `ip`, `nft`, `sysctl`, or network namespaces at all
// (one is created and deleted to find out).
std::string testbed_unavailable_reason();

}  // namespace wsfo::stack
