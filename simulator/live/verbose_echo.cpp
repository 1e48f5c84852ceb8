#include "simulator/live/verbose_echo.hpp"

namespace wsfo::live {

bool BroadcastFold::keep(const std::string& line) {
  std::string prefix, text = line;
  if (!line.empty() && line[0] == '[') {
    auto end = line.find("] ");
    if (end != std::string::npos) {
      prefix = line.substr(0, end + 2);
      text = line.substr(end + 2);
    }
  }
  if (text.rfind("connected:", 0) == 0) {
    shown_since_connect_[prefix] = false;
    return true;
  }
  if (text.rfind("msg: ", 0) == 0 && text.find(" new connection: ") != std::string::npos) {
    bool& shown = shown_since_connect_[prefix];
    if (!shown) return shown = true;
    ++folded_;
    return false;
  }
  return true;
}

VerboseEcho::VerboseEcho(process::ChildProcess& child, std::ostream& out, std::mutex& out_mutex)
    : child_(child), out_(out), out_mutex_(out_mutex) {
  thread_ = std::thread([this] {
    while (!stopping_) {
      auto line = child_.read_stdout_line(std::chrono::milliseconds(100));
      if (!line) {  // timeout, or the child is gone (end of file comes at once)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      if (!fold_.keep(*line)) continue;
      std::lock_guard lock(out_mutex_);
      out_ << *line << std::endl;
    }
  });
}

void VerboseEcho::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace wsfo::live
