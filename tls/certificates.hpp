#pragma once
// A throw-away certificate authority for one run (`"tls": true`): made with
// the OpenSSL API when the run starts, so nothing is downloaded and nothing
// outside the run directory trusts it. Keys are ECDSA P-256; certificates
// are valid from an hour ago for 30 days.
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::tls {

struct PemPair {
  std::string certificate;
  std::string key;
};

class CertificateAuthority {
 public:
  // Empty, with `error` set, when OpenSSL cannot make the key or sign.
  static std::optional<CertificateAuthority> create(const std::string& common_name, std::string& error);

  const std::string& certificate_pem() const { return ca_.certificate; }

  // A server certificate for `names`: each is a subjectAltName, an IP
  // address when it parses as one, a DNS name otherwise. The first one is
  // also its common name.
  std::optional<PemPair> issue_server(const std::vector<std::string>& names, std::string& error) const;

 private:
  PemPair ca_;
};

// Writes `text` to `path` (mode 0600 for keys); "" or why it failed.
std::string write_pem(const std::string& path, const std::string& text, bool secret);

}  // namespace wsfo::tls
