#pragma once
// Who may use a gateway's admin API: its endpoints, which of them may stay
// open without the bearer token, and the token check itself. Pure: the token
// is generated and written by gateway/admin_token.cpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsfo::gateway {

struct AdminEndpoint {
  std::string_view method;
  std::string_view path;
};

// Every endpoint the admin router answers (gateway/admin_routes.cpp
// dispatches on exactly this list).
inline constexpr AdminEndpoint kAdminEndpoints[] = {
    {"GET", "/rules"},         {"POST", "/rules/preview"}, {"POST", "/rules/prepare"},
    {"POST", "/rules/commit"}, {"POST", "/rules/abort"},   {"GET", "/health"},
    {"GET", "/metrics"},       {"POST", "/faults"},        {"POST", "/reload"}};

// The only paths a config may leave open (read-only, no rules, no faults);
// both are open by default.
inline constexpr std::string_view kOpenablePaths[] = {"/health", "/metrics"};

// How the admin API authenticates a request.
struct AdminAuth {
  bool required = true;                                        // false only with `wsfo gateway --no-admin-auth`
  std::string token;                                           // required and empty: every protected request is refused
  std::vector<std::string> open_paths{"/health", "/metrics"};  // kOpenablePaths
};

// Whether `authorization` (the request's Authorization header) is
// "Bearer <token>". The comparison reads every byte of the expected value
// whatever the input, with no early exit, so its time does not tell how
// much of a guess was right. An empty token matches nothing.
bool bearer_matches(std::string_view authorization, std::string_view token);

// Whether a request for `path` (no query) may go on to the router.
bool admin_request_allowed(const AdminAuth& auth, std::string_view path, std::string_view authorization);

// Whether a numeric admin host is a loopback address: 127.0.0.0/8, ::1, or
// ::ffff:127.x.y.z. Anything else (names included) is not.
bool is_loopback_host(std::string_view host);

// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

// The file name part a generated token file takes from a node name: the
// name with every character outside [A-Za-z0-9._-] replaced by '_'.
std::string token_file_stem(std::string_view node);

}  // namespace wsfo::gateway
