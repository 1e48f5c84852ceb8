// core/gateway/frame_tracker with core/gateway/frame_rules: the relay's reader
// of frame headers in both directions, and the RFC 6455 verdict it reaches on
// them. The stream is followed whole, in fuzzer-chosen chunks, and stopping
// at every frame end as the relay does before it injects a close: the frame
// ends found, the close code, the malformed verdict and the rule violation
// (with the frame it stopped in front of) agree; judging never changes the
// frame ends found.
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <vector>

#include "core/gateway/frame_tracker.hpp"
#include "fuzz/fuzz_support.hpp"

using wsfo::gateway::FramePolicy;
using wsfo::gateway::FrameTracker;
using wsfo::gateway::FrameViolation;

namespace {

struct Followed {
  std::vector<std::size_t> boundaries;  // stream offsets where a frame ended
  bool close_seen = false;
  std::optional<std::uint16_t> close_code;
  std::optional<wsfo::websocket::MalformedHeader> malformed;
  std::optional<FrameViolation> violation;
  std::size_t boundaries_before_violation = 0;  // the offending frame starts at the last of them
  bool at_boundary = true;
  bool operator==(const Followed&) const = default;
};

Followed follow(const std::vector<std::uint8_t>& bytes, const std::vector<std::size_t>& chunks, bool stop,
                const FramePolicy& policy) {
  FrameTracker tracker(policy);
  Followed out;
  std::size_t position = 0;
  for (std::size_t i = 0; position < bytes.size(); ++i) {
    const std::size_t n = std::min(bytes.size() - position, chunks[i % chunks.size()]);
    std::size_t done = 0;
    while (done < n) {
      const bool judged_before = tracker.violation() != nullptr;
      const std::size_t used = tracker.consume(bytes.data() + position + done, n - done, stop);
      WSFO_FUZZ_CHECK(used <= n - done);
      const bool found_now = !judged_before && tracker.violation() != nullptr;
      WSFO_FUZZ_CHECK(used > 0 || found_now);  // no progress only where it stops in front of a frame
      if (found_now) {
        out.boundaries_before_violation = out.boundaries.size();
        WSFO_FUZZ_CHECK(tracker.at_boundary() == !tracker.violation_split());
        WSFO_FUZZ_CHECK(!tracker.violation_split() || used == 0);
      }
      done += used;
      const std::size_t at = position + done;
      const bool repeated = !out.boundaries.empty() && out.boundaries.back() == at;
      if (tracker.at_boundary() && !repeated && (at > 0 || used > 0)) out.boundaries.push_back(at);
      if (!stop && !found_now) break;
    }
    WSFO_FUZZ_CHECK(done == n);
    position += n;
  }
  out.close_seen = tracker.close_seen();
  out.close_code = tracker.close_code();
  out.malformed = tracker.malformed();
  if (tracker.violation()) out.violation = *tracker.violation();
  out.at_boundary = tracker.at_boundary();
  if (out.malformed) WSFO_FUZZ_CHECK(!out.at_boundary);
  if (out.close_code) WSFO_FUZZ_CHECK(out.close_seen);
  if (out.violation) {
    WSFO_FUZZ_CHECK(policy.enforce);
    WSFO_FUZZ_CHECK(out.violation->code == 1002 || (out.violation->code == 1009 && policy.max_message_bytes > 0));
    WSFO_FUZZ_CHECK(!out.violation->reason.empty() && out.violation->reason.size() <= 123);
  }
  return out;
}

FramePolicy policy_from(FuzzedDataProvider& in) {
  const auto bits = in.ConsumeIntegral<std::uint8_t>();
  const auto max = in.ConsumeIntegralInRange<std::uint32_t>(0, 1 << 17);
  wsfo::gateway::NegotiatedExtensions extensions{(bits & 4) != 0, (bits & 8) != 0};
  switch (bits & 3) {
    case 0:
      return {};
    case 2:
      return wsfo::gateway::server_frame_policy(extensions);
    default:
      return wsfo::gateway::client_frame_policy(extensions, max);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<std::size_t> chunks;
  for (int i = 0; i < 8; ++i) chunks.push_back(in.ConsumeIntegralInRange<std::size_t>(1, 64));
  const FramePolicy policy = policy_from(in);
  const std::vector<std::uint8_t> bytes = in.ConsumeRemainingBytes<std::uint8_t>();

  const Followed byte_by_byte = follow(bytes, {1}, true, policy);
  const Followed chunked_stops = follow(bytes, chunks, true, policy);
  WSFO_FUZZ_CHECK(chunked_stops == byte_by_byte);
  // Judging stops in front of a frame but never moves a frame end.
  Followed unjudged = follow(bytes, {1}, true, FramePolicy{});
  Followed judged = byte_by_byte;
  judged.violation.reset();
  judged.boundaries_before_violation = 0;
  WSFO_FUZZ_CHECK(judged == unjudged);
  // Without stopping, a frame end inside a chunk is not reported; the rest agrees.
  Followed whole = follow(bytes, {bytes.size() + 1}, false, policy);
  Followed chunked = follow(bytes, chunks, false, policy);
  Followed expected = byte_by_byte;
  for (Followed* f : {&whole, &chunked, &expected}) f->boundaries.clear(), f->boundaries_before_violation = 0;
  WSFO_FUZZ_CHECK(whole == expected);
  WSFO_FUZZ_CHECK(chunked == expected);
  return 0;
}
