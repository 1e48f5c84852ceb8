#include "simulator/live/run_certificates.hpp"

#include <filesystem>
#include <variant>
#include <vector>

#include "core/run/part_plan.hpp"
#include "simulator/live/live_plan.hpp"
#include "tls/certificates.hpp"

namespace wsfo::live {

namespace {

// One pair per backend, those the timeline adds too, naming the address the
// gateways dial it at.
std::string make_backend_certificates(const scenario::Scenario& scenario, const std::string& run_dir,
                                      const tls::CertificateAuthority& authority) {
  std::error_code fs_error;
  std::filesystem::create_directories(tls_dir(run_dir) + "/backends", fs_error);
  if (fs_error) return "TLS: cannot prepare " + tls_dir(run_dir) + "/backends: " + fs_error.message();
  std::vector<const scenario::Backend*> backends;
  for (const auto& unit : scenario.units)
    for (const auto& backend : unit.backends) backends.push_back(&backend);
  for (const auto& event : scenario.timeline)
    if (const auto* add = std::get_if<scenario::BackendAdd>(&event.action)) backends.push_back(&add->backend);
  std::string error;
  for (const scenario::Backend* backend : backends) {
    auto pair = authority.issue_server({backend->address}, error);
    if (!pair) return "TLS: cannot make the certificate of backend " + backend->name + ": " + error;
    if (error = tls::write_pem(backend_certificate_file(run_dir, backend->name), pair->certificate, false);
        !error.empty())
      return "TLS: " + error;
    if (error = tls::write_pem(backend_key_file(run_dir, backend->name), pair->key, true); !error.empty())
      return "TLS: " + error;
  }
  return {};
}

}  // namespace

std::string make_run_certificates(const scenario::Scenario& scenario, const std::string& run_dir) {
  if (!scenario.tls) return {};
  namespace fs = std::filesystem;
  const std::string dir = tls_dir(run_dir);
  // Certificates of an earlier run in this directory are replaced, never reused:
  // their CA key would outlive the run it was made for.
  std::error_code fs_error;
  fs::remove_all(dir, fs_error);
  if (!fs_error) fs::create_directories(dir, fs_error);
  if (!fs_error) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, fs_error);
  if (fs_error) return "TLS: cannot prepare " + dir + ": " + fs_error.message();
  std::string error;
  auto authority = tls::CertificateAuthority::create("wsfo run CA " + scenario.name, error);
  if (!authority) return "TLS: cannot make the run's CA: " + error;
  if (error = tls::write_pem(ca_file(run_dir), authority->certificate_pem(), false); !error.empty())
    return "TLS: " + error;
  for (const auto& unit : scenario.units)
    for (const auto& node : unit.nodes) {
      auto pair = authority->issue_server(run::certificate_names(scenario, unit, node), error);
      if (!pair) return "TLS: cannot make the certificate of node " + node.name + ": " + error;
      if (error = tls::write_pem(node_certificate_file(run_dir, node.name), pair->certificate, false); !error.empty())
        return "TLS: " + error;
      if (error = tls::write_pem(node_key_file(run_dir, node.name), pair->key, true); !error.empty())
        return "TLS: " + error;
    }
  return scenario.tls_to_backends ? make_backend_certificates(scenario, run_dir, *authority) : std::string();
}

}  // namespace wsfo::live
