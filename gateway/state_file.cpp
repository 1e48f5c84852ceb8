#include "gateway/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wsfo::gateway {

namespace {

std::string failed(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string write_file_atomically(const std::string& path, const std::string& content, mode_t mode) {
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return failed("cannot create", temporary);
  // A leftover temporary file keeps its old mode: narrow it to `mode`.
  struct stat status {};
  if (::fstat(fd, &status) != 0 || ((status.st_mode & 0777 & ~mode) != 0 && ::fchmod(fd, status.st_mode & mode) != 0)) {
    std::string error = failed("cannot set the mode of", temporary);
    ::close(fd);
    ::unlink(temporary.c_str());
    return error;
  }
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string error = failed("cannot write", temporary);
      ::close(fd);
      ::unlink(temporary.c_str());
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    std::string error = failed("cannot fsync", temporary);
    ::close(fd);
    ::unlink(temporary.c_str());
    return error;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string error = failed("cannot rename onto", path);
    ::unlink(temporary.c_str());
    return error;
  }
  std::string directory = directory_of(path);
  int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return failed("cannot open directory", directory);
  int synced = ::fsync(dir);
  std::string error = synced == 0 ? std::string() : failed("cannot fsync directory", directory);
  ::close(dir);
  return error;
}

}  // namespace wsfo::gateway
