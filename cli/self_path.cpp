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

std::string data_dir() {
  namespace fs = std::filesystem;
  std::error_code error;
  // WSFO_DATA_FROM_BIN: the install's data folder relative to its bin folder
  // ("../share/wsfo"), from CMake's GNUInstallDirs.
  const fs::path installed = fs::path(self_path()).parent_path() / WSFO_DATA_FROM_BIN;
  if (fs::is_directory(installed / "scenarios", error)) return fs::weakly_canonical(installed, error).string();
  return WSFO_SOURCE_DIR;
}

std::string data_path(const std::string& relative) { return (std::filesystem::path(data_dir()) / relative).string(); }

}  // namespace wsfo::cli
