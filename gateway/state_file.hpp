#pragma once
// Durable replacement of a small file: write a temporary file beside it,
// fsync it, rename it over the target, fsync the directory. A crash leaves
// either the old or the new content, never a mix.
#include <string>

namespace wsfo::gateway {

// Returns an empty string on success, otherwise what failed and why.
std::string write_file_atomically(const std::string& path, const std::string& content);

}  // namespace wsfo::gateway
