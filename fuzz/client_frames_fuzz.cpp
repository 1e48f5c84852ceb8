// core/clients/ws_frame: the fleet's parser of the frames a server sends. The
// bytes are fed whole and in chunks of fuzzer-chosen sizes: what the handler
// sees and the verdict must not depend on how the bytes were split.
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <vector>

#include "core/clients/ws_frame.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace wsfo::clients::ws;

namespace {

struct Recorder : FrameHandler {
  std::vector<std::string> messages;
  std::string current;
  std::vector<std::string> pings, pongs;
  std::vector<std::pair<std::uint16_t, std::string>> closes;
  void on_message_data(std::string_view data, bool last) override {
    current += data;
    if (last) messages.push_back(std::exchange(current, {}));
  }
  void on_ping(std::string_view payload) override {
    WSFO_FUZZ_CHECK(payload.size() <= wsfo::websocket::kMaxControlPayload);
    pings.emplace_back(payload);
  }
  void on_pong(std::string_view payload) override {
    WSFO_FUZZ_CHECK(payload.size() <= wsfo::websocket::kMaxControlPayload);
    pongs.emplace_back(payload);
  }
  void on_close(std::uint16_t code, std::string_view reason) override { closes.emplace_back(code, reason); }
  bool operator==(const Recorder& o) const {
    return messages == o.messages && current == o.current && pings == o.pings && pongs == o.pongs &&
           closes == o.closes;
  }
};

struct Outcome {
  Recorder seen;
  bool ok = true;
  std::uint16_t close_code = 0;
  std::string error;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::uint64_t limit = in.ConsumeIntegralInRange<std::uint64_t>(0, 1 << 16);
  std::vector<std::size_t> chunks;
  for (int i = 0; i < 8; ++i) chunks.push_back(in.ConsumeIntegralInRange<std::size_t>(1, 64));
  const std::string bytes = in.ConsumeRemainingBytesAsString();

  Outcome whole;
  FrameParser one(limit);
  whole.ok = one.feed(bytes, whole.seen);
  whole.close_code = one.close_code();
  whole.error = one.error();
  WSFO_FUZZ_CHECK(whole.ok == whole.error.empty());
  if (!whole.ok) WSFO_FUZZ_CHECK(whole.close_code == kCloseProtocolError || whole.close_code == kCloseTooBig);
  WSFO_FUZZ_CHECK(whole.seen.closes.size() <= 1);
  WSFO_FUZZ_CHECK(one.closed() == !whole.seen.closes.empty());
  for (const auto& message : whole.seen.messages) WSFO_FUZZ_CHECK(message.size() <= limit);

  Outcome split;
  FrameParser many(limit);
  std::string_view rest(bytes);
  for (std::size_t i = 0; !rest.empty() && split.ok; ++i) {
    std::size_t n = std::min(rest.size(), chunks[i % chunks.size()]);
    split.ok = many.feed(rest.substr(0, n), split.seen);
    rest.remove_prefix(n);
  }
  split.close_code = many.close_code();
  split.error = many.error();
  WSFO_FUZZ_CHECK(split.ok == whole.ok);
  WSFO_FUZZ_CHECK(split.error == whole.error && split.close_code == whole.close_code);
  WSFO_FUZZ_CHECK(split.seen == whole.seen);

  // After a failure the parser stays failed; reset() makes it new again.
  if (!whole.ok) WSFO_FUZZ_CHECK(!one.feed(bytes, whole.seen));
  one.reset();
  Recorder again;
  WSFO_FUZZ_CHECK(one.feed(bytes, again) == whole.ok);
  WSFO_FUZZ_CHECK(again == whole.seen);
  return 0;
}
