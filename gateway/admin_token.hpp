#pragma once
// The admin API's bearer token on disk: generated when a gateway is started
// without one, written with mode 0600, read back by whoever calls the API
// (`wsfo cutover --token-file`, `wsfo run`). docs/gateway-config.md,
// "Admin API access".
#include <optional>
#include <ostream>
#include <string>

#include "core/gateway/gateway_config.hpp"

namespace wsfo::gateway {

// 32 random bytes from the kernel (getrandom), as 64 lowercase hex digits;
// nullopt with `error` set when the kernel gives none.
std::optional<std::string> generate_admin_token(std::string& error);

// Writes `token` and a newline to `path` with mode 0600 (temporary file,
// rename). "" or what failed.
std::string write_token_file(const std::string& path, const std::string& token);

// The token in `path`: its first line without surrounding blanks. nullopt
// with `error` set when the file cannot be read or holds no token; `warning`
// is set when other users may read the file.
std::optional<std::string> read_token_file(const std::string& path, std::string& error, std::string& warning);

// Where a gateway started without a token writes the one it generates:
// `<node>.admin-token` beside its state file, or beside its config file when
// it has no state file.
std::string generated_token_path(const GatewayConfig& config, const std::string& config_path);

// Settles `config.admin_auth.token` before the gateway starts: reads
// `admin_token_file`, or, when the config names no token and authentication
// is on, generates one, writes it to generated_token_path() and says where
// on `out` (one line). "" or what failed.
std::string settle_admin_token(GatewayConfig& config, const std::string& config_path, std::ostream& out);

}  // namespace wsfo::gateway
