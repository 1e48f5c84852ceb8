// The run's certificates for a "tls" scenario: one pair per gateway node
// under <run dir>/tls/, each chaining to the run's CA and naming what the
// clients dial; the keys private; a run directory where they cannot be
// written says so (the runner reports it as a part that failed to start).
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "simulator/live/live_plan.hpp"
#include "simulator/live/run_certificates.hpp"
#include "tests/unit/test_scenarios.hpp"
#include "tls/contexts.hpp"

namespace live_run_certificates_test {

using namespace wsfo;
namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<X509, decltype(&X509_free)> parse(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return {PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free};
}

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A pair of the run: its key readable by the owner only, its certificate
// issued by `ca`; the certificate, or null after a failed expectation.
std::unique_ptr<X509, decltype(&X509_free)> expect_pair(X509* ca, const std::string& key,
                                                        const std::string& certificate) {
  struct stat info {};
  EXPECT_EQ(::stat(key.c_str(), &info), 0) << key;
  EXPECT_EQ(info.st_mode & 0777, 0600u) << key;
  auto leaf = parse(slurp(certificate));
  EXPECT_TRUE(leaf) << certificate;
  if (leaf) {
    EXPECT_EQ(X509_check_issued(ca, leaf.get()), X509_V_OK) << certificate;
  }
  return leaf;
}

TEST(LiveRunCertificates, EveryNodeGetsAPrivateKeyAndACertificateForItsNames) {
  const auto s = test::load_project_scenario("regression/seed-cutover-tls.json");
  const fs::path dir = fresh_dir("run-certificates");
  ASSERT_EQ(live::make_run_certificates(s, dir.string()), "");
  EXPECT_EQ(fs::status(live::tls_dir(dir.string())).permissions(), fs::perms::owner_all);
  auto ca = parse(slurp(live::ca_file(dir.string())));
  ASSERT_TRUE(ca);
  for (const auto& unit : s.units)
    for (const auto& node : unit.nodes) {
      const std::string key = live::node_key_file(dir.string(), node.name);
      auto leaf = expect_pair(ca.get(), key, live::node_certificate_file(dir.string(), node.name));
      ASSERT_TRUE(leaf) << node.name;
      EXPECT_EQ(X509_check_host(leaf.get(), unit.subdomain.c_str(), 0, 0, nullptr), 1) << node.name;
      EXPECT_EQ(X509_check_ip_asc(leaf.get(), node.address.c_str(), 0), 1) << node.name;
      const bool domain = unit.name == s.domain.cname;
      EXPECT_EQ(X509_check_host(leaf.get(), s.domain.name.c_str(), 0, 0, nullptr), domain ? 1 : 0) << node.name;
      std::string error;
      EXPECT_TRUE(tls::server_context({live::node_certificate_file(dir.string(), node.name), key, "1.2"}, error))
          << error;
    }
  fs::remove_all(dir);
}

// "tls_to_backends": every backend, one the timeline adds too, gets a pair
// from the same CA naming the address the gateways dial it at.
TEST(LiveRunCertificates, ReencryptingToTheBackendsGivesEachBackendOneForItsAddress) {
  auto s = test::load_project_scenario("regression/seed-cutover-tls-backends.json");
  scenario::BackendAdd add{s.units[0].name, s.units[0].backends[0], std::nullopt};
  add.backend.name = "added";
  add.backend.address = "127.54.9.9";
  s.timeline.push_back({s.duration / 2, add, {}});
  const fs::path dir = fresh_dir("run-certificates-backends");
  ASSERT_EQ(live::make_run_certificates(s, dir.string()), "");
  auto ca = parse(slurp(live::ca_file(dir.string())));
  ASSERT_TRUE(ca);
  std::vector<scenario::Backend> backends{add.backend};
  for (const auto& unit : s.units) backends.insert(backends.end(), unit.backends.begin(), unit.backends.end());
  for (const auto& backend : backends) {
    auto leaf = expect_pair(ca.get(), live::backend_key_file(dir.string(), backend.name),
                            live::backend_certificate_file(dir.string(), backend.name));
    ASSERT_TRUE(leaf) << backend.name;
    EXPECT_EQ(X509_check_ip_asc(leaf.get(), backend.address.c_str(), 0), 1) << backend.name;
    EXPECT_EQ(X509_check_ip_asc(leaf.get(), s.units[0].nodes[0].address.c_str(), 0), 0) << backend.name;
  }
  fs::remove_all(dir);
}

TEST(LiveRunCertificates, APlainScenarioMakesNoneAndAnUnwritableRunDirectorySaysWhere) {
  const fs::path dir = fresh_dir("run-certificates-fail");
  ASSERT_EQ(live::make_run_certificates(test::load_project_scenario("regression/fenced-cutover.json"), dir.string()),
            "");
  EXPECT_FALSE(fs::exists(live::tls_dir(dir.string())));
  // A run "directory" that is a file: nothing can go under it, whoever runs the test.
  const fs::path file = dir / "not-a-directory";
  std::ofstream(file) << "x";
  const std::string error =
      live::make_run_certificates(test::load_project_scenario("regression/seed-cutover-tls.json"), file.string());
  EXPECT_EQ(error.rfind("TLS: cannot prepare " + live::tls_dir(file.string()) + ": ", 0), 0u) << error;
  fs::remove_all(dir);
}

}  // namespace live_run_certificates_test
