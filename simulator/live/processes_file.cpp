#include "simulator/live/processes_file.hpp"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gateway/admin_client.hpp"
#include "simulator/live/live_plan.hpp"

namespace wsfo::live {

namespace {

std::string role_of(const std::string& part) { return part.substr(0, part.find(' ')); }

// With "tls_to_backends" the backends answer over TLS only, verified against the run's CA.
nlohmann::json backend_counters(const scenario::Scenario& scenario, const std::string& run_dir) {
  std::shared_ptr<tls::Context> tls;
  std::string error;
  if (scenario.tls_to_backends) tls = tls::client_context({ca_file(run_dir), true, false}, error);
  nlohmann::json backends = nlohmann::json::array();
  if (scenario.tls_to_backends && !tls) return backends;  // no CA, no counters: as for a backend that does not answer
  for (const auto& unit : scenario.units)
    for (const auto& backend : unit.backends) {
      auto reply = gateway::http_request(backend.address + ":" + std::to_string(backend.port), "GET", "/stats", "", "",
                                         std::chrono::milliseconds(1000), tls);
      if (reply.status != 200) continue;
      auto stats = nlohmann::json::parse(reply.body, nullptr, false);
      if (!stats.is_object()) continue;
      backends.push_back({{"name", backend.name},
                          {"messages_sent", stats.value("messages_sent", 0ULL)},
                          {"messages_received", stats.value("messages_received", 0ULL)}});
    }
  return backends;
}

}  // namespace

std::string write_processes_file(const std::string& run_dir, const scenario::Scenario& scenario,
                                 const std::map<std::string, ProcessUsage>& usage) {
  nlohmann::json processes = nlohmann::json::array();
  for (const auto& [part, u] : usage)
    processes.push_back(
        {{"part", part}, {"role", role_of(part)}, {"cpu_s", u.cpu_s}, {"peak_rss_kib", u.peak_rss_kib}});
  nlohmann::json document = {{"duration_s", std::chrono::duration<double>(scenario.duration).count()},
                             {"processes", processes},
                             {"backends", backend_counters(scenario, run_dir)}};
  std::string path = run_dir + "/processes.json";
  std::ofstream out(path);
  out << document.dump(1) << "\n";
  return out ? std::string() : "cannot write " + path;
}

}  // namespace wsfo::live
