#include "gateway/admin_token.hpp"

#include <sys/random.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "gateway/state_file.hpp"

namespace wsfo::gateway {

namespace {

constexpr std::size_t kTokenBytes = 32;

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::optional<std::string> generate_admin_token(std::string& error) {
  std::string bytes(kTokenBytes, '\0');
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = std::string("cannot get random bytes for the admin token: ") + std::strerror(errno);
      return std::nullopt;
    }
    filled += static_cast<std::size_t>(n);
  }
  return to_hex(bytes);
}

std::string write_token_file(const std::string& path, const std::string& token) {
  return write_file_atomically(path, token + "\n", 0600);
}

std::optional<std::string> read_token_file(const std::string& path, std::string& error, std::string& warning) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read the token file '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::string line;
  std::getline(in, line);
  auto first = line.find_first_not_of(" \t\r");
  auto last = line.find_last_not_of(" \t\r");
  std::string token = first == std::string::npos ? std::string() : line.substr(first, last - first + 1);
  if (token.empty()) {
    error = "the token file '" + path + "' holds no token on its first line";
    return std::nullopt;
  }
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0 && (status.st_mode & 077) != 0)
    warning = "the token file '" + path + "' may be read by other users (chmod 600 it)";
  return token;
}

std::string generated_token_path(const GatewayConfig& config, const std::string& config_path) {
  const std::string& beside = config.state_file.empty() ? config_path : config.state_file;
  return directory_of(beside) + "/" + token_file_stem(config.node) + ".admin-token";
}

std::string settle_admin_token(GatewayConfig& config, const std::string& config_path, std::ostream& out) {
  if (!config.admin_auth.required) return {};
  if (!config.admin_token_file.empty()) {
    std::string error, warning;
    auto token = read_token_file(config.admin_token_file, error, warning);
    if (!token) return error;
    if (!warning.empty()) out << "warning: " << warning << "\n";
    config.admin_auth.token = *token;
    return {};
  }
  if (!config.admin_auth.token.empty()) return {};
  std::string error;
  auto token = generate_admin_token(error);
  if (!token) return error;
  std::string path = generated_token_path(config, config_path);
  if (std::string failed = write_token_file(path, *token); !failed.empty())
    return "cannot write the generated admin token: " + failed;
  config.admin_auth.token = *token;
  out << "admin token written to " << path << " (mode 0600): send it as `Authorization: Bearer <token>`, "
      << "or pass --token-file " << path << " to wsfo cutover\n";
  return {};
}

}  // namespace wsfo::gateway
