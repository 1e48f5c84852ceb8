#include "cli/exit_codes.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace wsfo::cli {

bool readable_or_say(const std::string& command, const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    std::cerr << command << ": cannot read '" << path << "': it is a directory\n";
    return false;
  }
  errno = 0;
  if (std::ifstream(path)) return true;
  std::cerr << command << ": cannot read '" << path << "'" << (errno ? std::string(": ") + std::strerror(errno) : "")
            << "\n";
  return false;
}

int exit_code_of(const std::exception& error) {
  return dynamic_cast<const std::filesystem::filesystem_error*>(&error) != nullptr ? kIoError : kNotJudged;
}

}  // namespace wsfo::cli
