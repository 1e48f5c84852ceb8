#pragma once
// The OpenSSL contexts every live part uses for wss://, in one place so the
// gateway, the clients and the benches agree on versions and verification.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

namespace wsfo::tls {

using Context = boost::asio::ssl::context;

struct ServerOptions {
  std::string certificate_file;  // PEM, the served chain
  std::string key_file;          // PEM
  std::string min_version = "1.2";  // "1.2" or "1.3"
};

// Empty, with a specific `error` (which file, what OpenSSL said), when a file
// cannot be read or the key does not match the certificate.
std::shared_ptr<Context> server_context(const ServerOptions& options, std::string& error);

struct ClientOptions {
  std::string ca_file;  // PEM; empty: the system's trust store
  bool verify = true;   // verify the chain and the host name
  // Offer only TLS 1.0 and 1.1, at OpenSSL security level 0: only for tests
  // that check a server refuses them.
  bool offer_legacy_versions = false;
};

std::shared_ptr<Context> client_context(const ClientOptions& options, std::string& error);

// On a client's SSL object before its handshake: SNI for `host` (not for an
// IP address, as RFC 6066 says) and, when verifying, the name the peer's
// certificate must carry. False with `error` when OpenSSL refuses.
bool prepare_client(SSL* ssl, const std::string& host, bool verify, std::string& error);

// "1.0", "1.1", "1.2", "1.3" as OpenSSL's version numbers; empty otherwise.
std::optional<int> protocol_version(const std::string& text);

// A failed TLS handshake in words a person reads: the OpenSSL reason
// ("certificate verify failed: hostname mismatch", "unsupported protocol",
// "wrong version number") rather than an error number.
std::string describe_failure(const boost::system::error_code& ec, const SSL* ssl);

// The handshake failed because the versions the peer offered are outside
// the ones allowed (a TLS 1.0 client at a server that asks for 1.2).
bool version_refused(const boost::system::error_code& ec);

// True when the certificate `ssl` serves carries `server_name` (SNI).
bool certificate_names(const SSL* ssl, const std::string& server_name);

}  // namespace wsfo::tls
