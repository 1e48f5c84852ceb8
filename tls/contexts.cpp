#include "tls/contexts.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace wsfo::tls {

namespace ssl = boost::asio::ssl;

namespace {

std::string with_reason(const std::string& what, const boost::system::error_code& ec) {
  const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
  return what + ": " + (reason ? reason : ec.message());
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::optional<int> protocol_version(const std::string& text) {
  if (text == "1.0") return TLS1_VERSION;
  if (text == "1.1") return TLS1_1_VERSION;
  if (text == "1.2") return TLS1_2_VERSION;
  if (text == "1.3") return TLS1_3_VERSION;
  return std::nullopt;
}

std::shared_ptr<Context> server_context(const ServerOptions& options, std::string& error) {
  auto context = std::make_shared<Context>(Context::tls_server);
  auto version = protocol_version(options.min_version);
  if (!version || *version < TLS1_2_VERSION)
    return error = "TLS minimum version must be 1.2 or 1.3, got \"" + options.min_version + "\"", nullptr;
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, *version);
  // No session tickets or cache: every handshake is a full one, as for a
  // client reconnecting to another node after a failover.
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  boost::system::error_code ec;
  context->use_certificate_chain_file(options.certificate_file, ec);
  if (ec) return error = with_reason("cannot load the certificate '" + options.certificate_file + "'", ec), nullptr;
  context->use_private_key_file(options.key_file, Context::pem, ec);
  const bool mismatch = ec && ERR_GET_LIB(static_cast<unsigned long>(ec.value())) == ERR_LIB_X509 &&
                        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
  if (ec && !mismatch) return error = with_reason("cannot load the key '" + options.key_file + "'", ec), nullptr;
  if (mismatch || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return error = "the key '" + options.key_file + "' does not match the certificate '" + options.certificate_file +
                   "'",
           nullptr;
  }
  return context;
}

std::shared_ptr<Context> client_context(const ClientOptions& options, std::string& error) {
  auto context = std::make_shared<Context>(Context::tls_client);
  SSL_CTX* native = context->native_handle();
  if (options.offer_legacy_versions) {
    SSL_CTX_set_security_level(native, 0);
    SSL_CTX_set_min_proto_version(native, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(native, TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
  } else {
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  }
  boost::system::error_code ec;
  if (!options.ca_file.empty())
    context->load_verify_file(options.ca_file, ec);
  else
    context->set_default_verify_paths(ec);
  if (ec)
    return error = with_reason(options.ca_file.empty() ? std::string("cannot load the system's trust store")
                                                       : "cannot load the CA file '" + options.ca_file + "'",
                               ec),
           nullptr;
  context->set_verify_mode(options.verify ? ssl::verify_peer : ssl::verify_none);
  return context;
}

bool prepare_client(SSL* ssl, const std::string& host, bool verify, std::string& error) {
  const bool ip = is_ip_address(host);
  if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    ERR_clear_error();
    return error = "cannot set the server name '" + host + "'", false;
  }
  if (!verify) return true;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (set != 1) {
    ERR_clear_error();
    return error = "cannot verify against the name '" + host + "'", false;
  }
  return true;
}

std::string describe_failure(const boost::system::error_code& ec, const SSL* ssl) {
  if (ssl) {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (ec == ssl::error::stream_truncated) return "the peer closed during the TLS handshake";
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason) return reason;
  }
  return ec.message();
}

bool version_refused(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return false;
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  return reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_VERSION_TOO_LOW ||
         reason == SSL_R_WRONG_SSL_VERSION || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION;
}

bool certificate_names(const SSL* ssl, const std::string& server_name) {
  X509* served = SSL_get_certificate(ssl);
  return served && X509_check_host(served, server_name.c_str(), server_name.size(), 0, nullptr) == 1;
}

}  // namespace wsfo::tls
