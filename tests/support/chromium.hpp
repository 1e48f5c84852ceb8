#pragma once
// Headless Chromium (Debian's `chromium`) for the component tests that need a
// real browser. Each run gets a private --user-data-dir under a work
// directory, its own process group, and dies with the test
// (PR_SET_PDEATHSIG); stop() kills the whole group with SIGKILL, reaps it and
// kills any helper that left the group but still names the profile.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace wsfo::test_support {

// $WSFO_CHROMIUM, or /usr/bin/chromium.
std::string chromium_path();

class Chromium {
 public:
  // Starts `chromium --headless ... <extra_args> <url>` with stdout into
  // `stdout_file` and stderr into work/chromium.log. No sandbox (CI runs as
  // root), no GPU, no extensions, no background or component networking.
  Chromium(const std::filesystem::path& work, const std::vector<std::string>& extra_args, const std::string& url,
           const std::filesystem::path& stdout_file);
  ~Chromium() { stop(); }
  Chromium(const Chromium&) = delete;
  Chromium& operator=(const Chromium&) = delete;

  bool started() const { return pid_ > 0; }
  // True when the browser exited by itself within `limit`.
  bool wait_exit(std::chrono::steady_clock::duration limit);
  // Kills the group (whether it finished or not) and whatever still uses the profile.
  void stop();

  int status() const { return status_; }
  // Processes of this run still alive after the group kill (checked by stop()).
  const std::vector<pid_t>& leftovers() const { return leftovers_; }
  // The end of chromium's stderr (at most 3000 characters).
  std::string errors() const;

 private:
  std::filesystem::path profile_, log_;
  pid_t pid_ = -1;
  bool reaped_ = false, stopped_ = false;
  int status_ = 0;
  std::vector<pid_t> leftovers_;
};

}  // namespace wsfo::test_support
