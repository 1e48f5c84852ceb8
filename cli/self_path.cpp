#include "cli/self_path.hpp"

#include <filesystem>
#include <system_error>

namespace wsfo::cli {

std::string self_path() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("wsfo") : path.string();
}

}  // namespace wsfo::cli
