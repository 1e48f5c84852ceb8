#pragma once
// Durable replacement of a small file: write a temporary file beside it,
// fsync it, rename it over the target, fsync the directory. A crash leaves
// either the old or the new content, never a mix.
#include <sys/types.h>

#include <string>

namespace wsfo::gateway {

// Returns an empty string on success, otherwise what failed and why. The
// file gets at most `mode` (the umask may narrow it further).
std::string write_file_atomically(const std::string& path, const std::string& content, mode_t mode = 0644);

}  // namespace wsfo::gateway
