// The run's throw-away CA and the OpenSSL contexts built from its files.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "tls/certificates.hpp"
#include "tls/contexts.hpp"

namespace wsfo::tls {
namespace {

std::unique_ptr<X509, decltype(&X509_free)> parse(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return {PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free};
}

bool verifies(const std::string& ca_pem, const std::string& leaf_pem) {
  auto ca = parse(ca_pem);
  auto leaf = parse(leaf_pem);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  return X509_verify_cert(ctx.get()) == 1;
}

std::filesystem::path scratch(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  auto dir = std::filesystem::path(tmp ? tmp : "/tmp") / ("tls-unit-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(TlsCertificates, AServerCertificateChainsToItsRunCaAndCarriesEveryName) {
  std::string error;
  auto ca = CertificateAuthority::create("wsfo test CA", error);
  ASSERT_TRUE(ca) << error;
  auto server = ca->issue_server({"center.example", "127.0.0.1"}, error);
  ASSERT_TRUE(server) << error;
  EXPECT_TRUE(verifies(ca->certificate_pem(), server->certificate));
  auto leaf = parse(server->certificate);
  EXPECT_EQ(X509_check_host(leaf.get(), "center.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(leaf.get(), "north.example", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_ip_asc(leaf.get(), "127.0.0.2", 0), 1);

  auto other = CertificateAuthority::create("another CA", error);
  ASSERT_TRUE(other);
  EXPECT_FALSE(verifies(other->certificate_pem(), server->certificate));
}

TEST(TlsCertificates, ANameListIsRequired) {
  std::string error;
  auto ca = CertificateAuthority::create("wsfo test CA", error);
  ASSERT_TRUE(ca);
  EXPECT_FALSE(ca->issue_server({}, error));
  EXPECT_EQ(error, "a server certificate needs at least one name");
}

TEST(TlsContexts, TheServerLoadsWhatTheRunWroteAndTheKeyIsPrivate) {
  std::string error;
  auto ca = CertificateAuthority::create("wsfo test CA", error);
  auto server = ca->issue_server({"g1.center.example"}, error);
  ASSERT_TRUE(server);
  auto dir = scratch("load");
  ASSERT_EQ(write_pem((dir / "g1.pem").string(), server->certificate, false), "");
  ASSERT_EQ(write_pem((dir / "g1.key").string(), server->key, true), "");
  struct stat info {};
  ASSERT_EQ(::stat((dir / "g1.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_TRUE(server_context({(dir / "g1.pem").string(), (dir / "g1.key").string(), "1.2"}, error)) << error;

  // Specific errors: a missing file, a key of another certificate, an old minimum version.
  EXPECT_FALSE(server_context({(dir / "none.pem").string(), (dir / "g1.key").string(), "1.2"}, error));
  EXPECT_NE(error.find("cannot load the certificate '" + (dir / "none.pem").string() + "'"), std::string::npos)
      << error;
  auto stranger = ca->issue_server({"g2.center.example"}, error);
  ASSERT_EQ(write_pem((dir / "g2.key").string(), stranger->key, true), "");
  EXPECT_FALSE(server_context({(dir / "g1.pem").string(), (dir / "g2.key").string(), "1.2"}, error));
  EXPECT_NE(error.find("does not match the certificate"), std::string::npos) << error;
  EXPECT_FALSE(server_context({(dir / "g1.pem").string(), (dir / "g1.key").string(), "1.1"}, error));
  EXPECT_EQ(error, "TLS minimum version must be 1.2 or 1.3, got \"1.1\"");

  EXPECT_FALSE(client_context({(dir / "missing-ca.pem").string(), true, false}, error));
  EXPECT_NE(error.find("cannot load the CA file"), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

TEST(TlsContexts, VersionNames) {
  EXPECT_EQ(protocol_version("1.2"), TLS1_2_VERSION);
  EXPECT_EQ(protocol_version("1.0"), TLS1_VERSION);
  EXPECT_FALSE(protocol_version("1.4"));
  EXPECT_FALSE(protocol_version("tls1.2"));
}

}  // namespace
}  // namespace wsfo::tls
