#pragma once
// The processes `wsfo bench gateway` measures: `wsfo backend` children, one
// `wsfo gateway` (one io thread) and one nginx (master_process off: a single
// process, i.e. one worker), both proxying to the same backends. Their
// configs, logs and nginx's temp paths live in one temp directory.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "process/child_process.hpp"
#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

// A fresh directory under $TMPDIR (or /tmp), removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The two proxies the benches compare.
enum class Peer { wsfo, nginx };

inline const char* name_of(Peer peer) { return peer == Peer::wsfo ? "wsfo" : "nginx"; }

struct RunningProcess {
  std::unique_ptr<process::ChildProcess> process;
  Target target;  // where it accepts WebSocket clients
};

// The certificate and key a proxy serves wss:// with (`bench gateway --tls`).
struct TlsFiles {
  std::string certificate;
  std::string key;
};

// Each throws std::runtime_error saying what failed (and where the log is).
// `extra` flags go after the bench's own (e.g. {"--announce", "self"}).
RunningProcess start_backend(const std::string& wsfo_exe, const std::string& label, const std::string& log,
                             const std::vector<std::string>& extra = {});
// `count` backends labelled b0, b1, ... logging to `dir`/backend-<label>.log.
std::vector<RunningProcess> start_backends(const std::string& wsfo_exe, const std::string& dir, std::size_t count,
                                           const std::vector<std::string>& extra = {});
std::vector<Target> targets_of(const std::vector<RunningProcess>& processes);
// `relay_buffer_bytes` 0 keeps the gateway's default.
// With `tls`, both proxies terminate TLS on their listener.
RunningProcess start_wsfo_gateway(const std::string& wsfo_exe, const std::string& dir,
                                  const std::vector<Target>& backends, std::size_t relay_buffer_bytes,
                                  const TlsFiles* tls = nullptr);
// `listen_backlog` 0 keeps nginx's default (511).
RunningProcess start_nginx(const std::string& nginx_exe, const std::string& dir, const std::vector<Target>& backends,
                           int listen_backlog = 0, const TlsFiles* tls = nullptr);

// Stops a process with SIGTERM (SIGKILL after 3 s). Returns "" when it was
// still running, else how it had ended (a crash during the measurement).
std::string stop(RunningProcess& running);

// The last `max_bytes` of a log file ("" when unreadable).
std::string log_tail(const std::string& path, std::size_t max_bytes);

// VmRSS of a process in KiB; -1 when it cannot be read.
long resident_kib(pid_t pid);
// VmHWM (the peak of VmRSS) of a process in KiB; -1 when it cannot be read.
long peak_resident_kib(pid_t pid);

// User + system CPU seconds a process has used so far; -1 when unknown.
double cpu_seconds(pid_t pid);

std::string nginx_config(const std::string& dir, unsigned short port, const std::vector<Target>& backends,
                         int listen_backlog = 0, const TlsFiles* tls = nullptr);
std::string gateway_config(const std::vector<Target>& backends, std::size_t relay_buffer_bytes,
                           const TlsFiles* tls = nullptr);

}  // namespace wsfo::bench
