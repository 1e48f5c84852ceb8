#pragma once
// The gateway admin API seen from outside: a blocking HTTP client that
// implements the cutover workflow's GatewayAdmin port, for `wsfo cutover`
// and `wsfo run`. Beast stays inside admin_client.cpp.
#include <chrono>
#include <memory>
#include <string>

#include "core/cutover/cutover_workflow.hpp"
#include "tls/contexts.hpp"

namespace wsfo::gateway {

struct HttpReply {
  int status = 0;  // 0: no answer (refused, timeout, garbage)
  std::string body;
  std::string error;     // why there was no answer
  bool refused = false;  // the connection was refused: the request never reached the peer
};

// One request to "ip:port"; never throws. With `tls` (a client context) it
// goes over TLS, the peer verified for that address (a TLS backend's GET /stats).
HttpReply http_request(const std::string& endpoint, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& token, std::chrono::milliseconds timeout,
                       const std::shared_ptr<tls::Context>& tls = nullptr);

class HttpGatewayAdmin : public cutover::GatewayAdmin {
 public:
  explicit HttpGatewayAdmin(std::string token = {},
                            std::chrono::milliseconds timeout =
                                std::chrono::duration_cast<std::chrono::milliseconds>(cutover::kAdminCallTimeout))
      : token_(std::move(token)), timeout_(timeout) {}

  cutover::GatewayStatus status(const cutover::GatewayRef& gateway) override;
  cutover::PreviewReply preview(const cutover::GatewayRef& gateway, const routing::RuleSet& rules) override;
  cutover::AdminReply prepare(const cutover::GatewayRef& gateway, const routing::RuleSet& rules) override;
  cutover::AdminReply commit(const cutover::GatewayRef& gateway, std::uint64_t version) override;
  cutover::AdminReply abort(const cutover::GatewayRef& gateway, std::uint64_t version) override;
  void sleep(cutover::Duration duration) override;
  cutover::Duration now() override;

 private:
  cutover::AdminReply call(const cutover::GatewayRef& gateway, const std::string& target, const std::string& body);

  std::string token_;
  std::chrono::milliseconds timeout_;
};

}  // namespace wsfo::gateway
