// The benches' status line: it moves on its own while the caller blocks, log
// lines go above it whole, and disabled it writes nothing of its own.
#include "process/status_line.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

namespace wsfo::process {
namespace {

using namespace std::chrono_literals;

TEST(StatusLine, RefreshedWhileTheCallerWaitsWithItsCount) {
  std::ostringstream out;
  std::atomic<int> connected{0};
  {
    StatusLine status(out, true, "bench storm", 10ms);
    status.doing("round 1 of 3, wsfo: connecting");
    auto count = status.counting([&] { return std::to_string(connected.load()) + " of 200 clients connected"; });
    for (int i = 1; i <= 20; ++i) {
      connected = i * 10;
      std::this_thread::sleep_for(5ms);
    }
    std::this_thread::sleep_for(50ms);  // a few refreshes with the last count
  }
  const std::string text = out.str();
  EXPECT_NE(text.find("\rbench storm: round 1 of 3, wsfo: connecting, 200 of 200 clients connected, 0 s"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.back(), '\r') << "the line is erased at the end";
}

TEST(StatusLine, LogLinesGoAboveTheLineWhole) {
  std::ostringstream out;
  StatusLine status(out, true, "bench gateway", 1h);
  status.doing("round 1 of 1, wsfo: echo");
  status.log() << "  echo: 123 round trips";  // no newline yet: nothing of it is written
  EXPECT_EQ(out.str().find("123"), std::string::npos) << out.str();
  status.log() << ", p50 1 ms\nround 2";
  const std::string shown = "\rbench gateway: round 1 of 1, wsfo: echo, 0 s";
  // Erased (spaces, carriage return), the whole line, then the status line again.
  const std::string expected_middle =
      "\r" + std::string(shown.size() - 1, ' ') + "\r  echo: 123 round trips, p50 1 ms\n" + shown;
  EXPECT_NE(out.str().find(expected_middle), std::string::npos) << out.str();
  status.finish();
  const std::string text = out.str();
  EXPECT_EQ(text.substr(text.size() - 7), "round 2") << "finish() writes the partial line after erasing the status";
  status.finish();  // idempotent
  EXPECT_EQ(out.str(), text);
}

TEST(StatusLine, DisabledWritesOnlyTheLogLines) {
  std::ostringstream out;
  {
    StatusLine status(out, false, "bench clients", 1ms);
    status.doing("idle clients");
    auto count = status.counting([] { return std::string("5 connected"); });
    status.log() << "backends: 2\n";
    show_doing(&status, "session rate");
    show_doing(nullptr, "nothing to show it on");
    auto none = show_count(nullptr, [] { return std::string("never called"); });
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(out.str(), "backends: 2\n");
}

}  // namespace
}  // namespace wsfo::process
