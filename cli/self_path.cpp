#include "cli/self_path.hpp"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace wsfo::cli {

std::string self_path() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("wsfo") : path.string();
}

std::string own_command_line() {
  std::ifstream cmdline("/proc/self/cmdline");
  std::string text, arg;
  while (std::getline(cmdline, arg, '\0')) text += (text.empty() ? "" : " ") + arg;
  return text;
}

}  // namespace wsfo::cli
