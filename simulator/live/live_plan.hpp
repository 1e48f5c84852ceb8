#pragma once
// The live address plan of a scenario (DESIGN.md §2): which processes
// `wsfo run` starts, with which arguments and configs. Pure: it computes
// command lines and documents; the runner starts them.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/clients/client_stream.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::live {

using clients::kMaxClientsPerProcess;

struct ProcessPlan {
  std::string name;               // "gateway center-gw1", "backend center-app1", "clients fleet#0"
  std::vector<std::string> args;  // after the `wsfo` binary
  bool echo_stdout = false;       // its stdout lines are echoed on ours (verbose demo clients)
  // What runs `args`, when not the `wsfo` binary itself: another program
  // (nginx), or `ip netns exec NS wsfo` for a part inside a namespace.
  std::vector<std::string> program{};
  bool stdout_to_log = false;  // its stdout goes to its log file (programs that log on stdout)
};

struct GatewayPlan {
  std::string node;
  std::string unit;
  std::string admin;             // "ip:port" of its admin API
  json::Json config;             // written to <run dir>/<node>.gateway.json
  std::string config_file;       // relative to the run directory
  std::string vrrp_events_file;  // the embedded VRRP agent's events; empty when the node holds no VIP
  ProcessPlan process;
};

struct BackendPlan {
  std::string name;
  std::string unit;
  ProcessPlan process;
};

struct ClientsPlan {
  std::string group;
  std::vector<std::uint64_t> router_ids;
  std::string router_ids_file;  // in the run directory's inputs/, one id per line
  std::string events_file;      // in the run directory's events/
  ProcessPlan process;
};

struct LivePlan {
  std::vector<BackendPlan> backends;
  std::vector<GatewayPlan> gateways;
  std::vector<ClientsPlan> clients;                       // groups that connect at the start
  std::map<std::string, std::vector<ClientsPlan>> waves;  // group → processes started by clients-add
  std::vector<std::string> resolve;                       // "host=ip:port,..." entries of the name map
  // The run's one admin token (mode 0600), written by the runner before any
  // gateway starts; every gateway reads it with --token-file.
  std::string admin_token_file;
};

// The block of source addresses of the i-th client process: its own /16 of
// 127/8 on loopback, so connections do not run out of ephemeral ports.
std::string loopback_source_net(std::size_t process_index);

// `run_dir` is where configs, state files and event files go. Client groups
// named in `verbose_groups` print the seed client's lines on our stdout.
LivePlan make_live_plan(const scenario::Scenario& scenario, const std::string& run_dir,
                        const std::set<std::string>& verbose_groups = {},
                        std::string (*source_net)(std::size_t process_index) = loopback_source_net);

// Writes what the parts read at start: gateway configs and routerId files.
// "" or what could not be written.
std::string write_plan_files(const LivePlan& plan, const std::string& run_dir);

// The backend process of a backend added by the timeline (backend-add).
// With "tls_to_backends" it serves wss:// with the run's certificate for it.
BackendPlan backend_plan(const scenario::Scenario& scenario, const std::string& unit, const scenario::Backend& backend,
                         const std::string& run_dir);

// Where node `node`'s embedded VRRP agent writes its events.
std::string vrrp_events_file(const std::string& run_dir, const std::string& node);

// With the scenario's "tls": the run's certificates under <run_dir>/tls/ (the
// runner makes them before any part starts, run_certificates.hpp).
std::string tls_dir(const std::string& run_dir);
std::string ca_file(const std::string& run_dir);                                    // ca.pem
std::string node_certificate_file(const std::string& run_dir, const std::string& node);  // <node>.pem
std::string node_key_file(const std::string& run_dir, const std::string& node);          // <node>.key
// With "tls_to_backends" too: each backend's, under tls/backends/ (a backend
// may share a node's name).
std::string backend_certificate_file(const std::string& run_dir, const std::string& backend);  // backends/<name>.pem
std::string backend_key_file(const std::string& run_dir, const std::string& backend);          // backends/<name>.key

// The gateway config of `node` with the given backends per route prefix
// (used again by backend-add/backend-remove for a reload).
json::Json gateway_config(const scenario::Scenario& scenario, const scenario::Unit& unit, const scenario::Node& node,
                          const std::string& run_dir);

}  // namespace wsfo::live
