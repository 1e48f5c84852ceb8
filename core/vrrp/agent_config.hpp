#pragma once
// The VRRP agent's configuration (docs/vrrp.md): the `"vrrp"` section of a
// gateway config, or the whole file of `wsfo vrrp-agent --config`. Read
// strictly (every problem names its JSON pointer, unknown keys are errors)
// and built from a scenario node so the live runner can embed it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/scenario/scenario.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace wsfo::vrrp {

constexpr std::uint16_t kDefaultAdvertPort = 1985;

struct VipAddress {  // one `VIP:port` listener held while Master
  std::string address;
  std::uint16_t port = 0;
  bool operator==(const VipAddress&) const = default;
};

struct AgentTrack {  // keepalived's track_script, run every `interval`
  Duration interval{};
  int fall = 1;
  int rise = 1;
  int weight = 0;
  bool operator==(const AgentTrack&) const = default;
};

struct AgentInstance {
  std::string name;
  int vrid = 0;
  std::vector<VipAddress> vips;
  int priority = 0;
  Duration advert_interval = std::chrono::seconds(1);
  bool preempt = true;
  Duration preempt_delay{};
  Variant variant = Variant::keepalived_v2;
  std::vector<std::string> peers;  // the other nodes' addresses: adverts are unicast to each
  std::optional<AgentTrack> track;
  bool operator==(const AgentInstance&) const = default;
};

struct AgentConfig {
  std::string node;
  std::string address;  // own address: adverts leave from and arrive at address:advert_port
  std::uint16_t advert_port = kDefaultAdvertPort;
  std::vector<AgentInstance> instances;
  // Where an embedding gateway appends the agent's history events (JSON
  // lines); empty: not written. `wsfo vrrp-agent` prints them on stdout.
  std::string events_file;
  bool operator==(const AgentConfig&) const = default;
};

const char* to_string(Variant variant);

// nullopt (with problems) unless the whole section is valid.
std::optional<AgentConfig> read_agent_config(const json::Json& value, const std::string& pointer,
                                             json::Problems& problems);
json::Json to_json(const AgentConfig& config);

// The state machine's config for one (validated) instance of `agent`.
InstanceConfig to_instance_config(const AgentConfig& agent, const AgentInstance& instance);

// Node `node_name`'s agent: one instance per VIP that lists the node in its
// priorities, peers being the other nodes listed there. nullopt with `error`
// when the scenario has no such node.
std::optional<AgentConfig> agent_config_for_node(const scenario::Scenario& scenario, const std::string& node_name,
                                                 std::string& error, std::uint16_t advert_port = kDefaultAdvertPort);

}  // namespace wsfo::vrrp
