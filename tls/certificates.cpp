#include "tls/certificates.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ip/address.hpp>
#include <fstream>

namespace wsfo::tls {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string openssl_error(const std::string& what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "unknown error";
  if (code) ERR_error_string_n(code, text, sizeof text);
  return what + ": " + text;
}

Key make_key() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

std::string to_pem(const Key& key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) return {};
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(const Cert& cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_X509(bio.get(), cert.get())) return {};
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Key key_from(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

Cert cert_from(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool added = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return added;
}

// A certificate for `subject_key` named `common_name`, valid from an hour ago
// (clocks of the run's processes agree, but not to the second) for 30 days.
Cert new_certificate(const std::string& common_name, EVP_PKEY* subject_key) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = number && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get()));
  BN_free(number);
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok && X509_set_version(cert.get(), 2) &&
       X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) &&
       X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) &&
       X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("wsfo run"), -1,
                                  -1, 0) &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) &&
       X509_set_pubkey(cert.get(), subject_key);
  return ok ? std::move(cert) : nullptr;
}

std::string subject_alt_names(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(n, ec);
    list += (list.empty() ? "" : ",") + std::string(ec ? "DNS:" : "IP:") + n;
  }
  return list;
}

}  // namespace

std::optional<CertificateAuthority> CertificateAuthority::create(const std::string& common_name, std::string& error) {
  Key key = make_key();
  if (!key) return error = openssl_error("cannot make the CA key"), std::nullopt;
  Cert cert = new_certificate(common_name, key.get());
  bool ok = cert && X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) &&
            add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") &&
            add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") &&
            add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") &&
            X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return error = openssl_error("cannot make the CA certificate"), std::nullopt;
  CertificateAuthority ca;
  ca.ca_ = {to_pem(cert), to_pem(key)};
  return ca;
}

std::optional<PemPair> CertificateAuthority::issue_server(const std::vector<std::string>& names,
                                                          std::string& error) const {
  if (names.empty()) return error = "a server certificate needs at least one name", std::nullopt;
  Key ca_key = key_from(ca_.key);
  Cert ca_cert = cert_from(ca_.certificate);
  Key key = make_key();
  if (!ca_key || !ca_cert || !key) return error = openssl_error("cannot make a server key"), std::nullopt;
  Cert cert = new_certificate(names.front(), key.get());
  bool ok = cert && X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) &&
            add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature") &&
            add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth") &&
            add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, subject_alt_names(names)) &&
            add_extension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always") &&
            X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0;
  if (!ok) return error = openssl_error("cannot sign the certificate for " + names.front()), std::nullopt;
  return PemPair{to_pem(cert), to_pem(key)};
}

std::string write_pem(const std::string& path, const std::string& text, bool secret) {
  {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return "cannot write '" + path + "'";
  }
  // Narrowed before the key is written, so it is never readable by others.
  if (secret && ::chmod(path.c_str(), 0600) != 0) return "cannot make '" + path + "' private";
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return "cannot write '" + path + "'";
  return {};
}

}  // namespace wsfo::tls
