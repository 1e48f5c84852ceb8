// core/gateway/frame_tracker: the relay's reader of frame headers in both
// directions. The stream is followed whole, in fuzzer-chosen chunks, and
// stopping at every frame end as the relay does before it injects a close:
// the frame ends found, the close code and the malformed verdict agree.
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <vector>

#include "core/gateway/frame_tracker.hpp"
#include "fuzz/fuzz_support.hpp"

using wsfo::gateway::FrameTracker;

namespace {

struct Followed {
  std::vector<std::size_t> boundaries;  // stream offsets where a frame ended
  bool close_seen = false;
  std::optional<std::uint16_t> close_code;
  std::optional<wsfo::websocket::MalformedHeader> malformed;
  bool at_boundary = true;
  bool operator==(const Followed&) const = default;
};

Followed follow(const std::vector<std::uint8_t>& bytes, const std::vector<std::size_t>& chunks, bool stop) {
  FrameTracker tracker;
  Followed out;
  std::size_t position = 0;
  for (std::size_t i = 0; position < bytes.size(); ++i) {
    const std::size_t n = std::min(bytes.size() - position, chunks[i % chunks.size()]);
    std::size_t done = 0;
    while (done < n) {
      const std::size_t used = tracker.consume(bytes.data() + position + done, n - done, stop);
      WSFO_FUZZ_CHECK(used <= n - done);
      WSFO_FUZZ_CHECK(used > 0);
      done += used;
      if (tracker.at_boundary()) out.boundaries.push_back(position + done);
      if (!stop) break;
    }
    WSFO_FUZZ_CHECK(done == n);
    position += n;
  }
  out.close_seen = tracker.close_seen();
  out.close_code = tracker.close_code();
  out.malformed = tracker.malformed();
  out.at_boundary = tracker.at_boundary();
  if (out.malformed) WSFO_FUZZ_CHECK(!out.at_boundary);
  if (out.close_code) WSFO_FUZZ_CHECK(out.close_seen);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<std::size_t> chunks;
  for (int i = 0; i < 8; ++i) chunks.push_back(in.ConsumeIntegralInRange<std::size_t>(1, 64));
  const std::vector<std::uint8_t> bytes = in.ConsumeRemainingBytes<std::uint8_t>();

  const Followed byte_by_byte = follow(bytes, {1}, true);
  const Followed chunked_stops = follow(bytes, chunks, true);
  WSFO_FUZZ_CHECK(chunked_stops == byte_by_byte);
  // Without stopping, a frame end inside a chunk is not reported; the rest agrees.
  Followed whole = follow(bytes, {bytes.size() + 1}, false);
  Followed chunked = follow(bytes, chunks, false);
  whole.boundaries.clear();
  chunked.boundaries.clear();
  Followed expected = byte_by_byte;
  expected.boundaries.clear();
  WSFO_FUZZ_CHECK(whole == expected);
  WSFO_FUZZ_CHECK(chunked == expected);
  return 0;
}
