#include "core/gateway/frame_tracker.hpp"

#include <algorithm>
#include <variant>

namespace wsfo::gateway {

namespace {

constexpr auto kCloseOpcode = static_cast<std::uint8_t>(websocket::Opcode::close);

// Both directions pass through the relay, and so do extensions (their RSV
// bits): only what breaks the framing itself is malformed here.
constexpr websocket::HeaderRules kRelayedFrames{websocket::Sender::either, true};

}  // namespace

std::size_t FrameTracker::consume(const std::uint8_t* data, std::size_t size, bool stop_at_frame_end) {
  if (malformed_) return size;
  carried_ = state_ == State::header ? static_cast<std::uint8_t>(header_size_) : 0;
  std::size_t header_start = 0;
  std::size_t i = 0;
  while (i < size) {
    if (state_ == State::header) {
      if (header_size_ == 0) header_start = i, carried_ = 0;
      header_[header_size_++] = data[i++];
      if (header_size_ < header_needed_) continue;
      const Header verdict = header_complete();
      if (verdict == Header::malformed) return size;
      if (verdict == Header::rejected) return header_start;
      if (state_ == State::payload && payload_left_ == 0) {
        frame_end();
        if (stop_at_frame_end) return i;
      }
      continue;
    }
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(size - i, payload_left_));
    if (in_close_frame_) capture_close_code(data + i, take);
    i += take;
    payload_left_ -= take;
    payload_offset_ += take;
    if (payload_left_ == 0) {
      frame_end();
      if (stop_at_frame_end) return i;
    }
  }
  return i;
}

// Called when header_needed_ bytes are in: either more are needed (extended
// length, masking key) or the payload starts.
FrameTracker::Header FrameTracker::header_complete() {
  const bool judge = judging_ && !violation_ && rules_.enforcing();
  const auto parsed = websocket::parse_header({header_.data(), header_size_}, kRelayedFrames);
  if (const auto* more = std::get_if<websocket::NeedMore>(&parsed)) {
    header_needed_ = more->header_size;
    return Header::followed;
  }
  if (const auto* malformed = std::get_if<websocket::MalformedHeader>(&parsed)) {
    if (judge && reject(rules_.check(*malformed), carried_)) return Header::rejected;
    malformed_ = *malformed;
    return Header::malformed;
  }
  const auto& header = std::get<websocket::FrameHeader>(parsed);
  if (judge && reject(rules_.check(header), carried_)) return Header::rejected;
  opcode_ = header.opcode;
  masked_ = header.masked;
  mask_ = header.mask_key;
  payload_left_ = header.payload_length;
  payload_offset_ = 0;
  in_close_frame_ = opcode_ == kCloseOpcode;
  if (in_close_frame_) close_seen_ = true;
  state_ = State::payload;
  return Header::followed;
}

// A violation: the header's bytes of this call are given back (the caller
// feeds them again, to be followed without judging); those of earlier calls
// stay, as they were followed already.
bool FrameTracker::reject(std::optional<FrameViolation> violation, std::size_t carried) {
  if (!violation) return false;
  violation_ = std::make_unique<const FrameViolation>(std::move(*violation));
  violation_split_ = carried > 0;
  header_size_ = carried;
  header_needed_ = carried + 1;
  return true;
}

void FrameTracker::capture_close_code(const std::uint8_t* data, std::size_t size) {
  for (std::size_t k = 0; k < size && payload_offset_ + k < 2; ++k) {
    std::uint64_t offset = payload_offset_ + k;
    close_payload_[offset] = static_cast<std::uint8_t>(data[k] ^ (masked_ ? mask_[offset % 4] : 0));
    if (offset == 1 && !close_code_)
      close_code_ = static_cast<std::uint16_t>((close_payload_[0] << 8) | close_payload_[1]);
  }
}

void FrameTracker::frame_end() {
  state_ = State::header;
  header_size_ = 0;
  header_needed_ = 2;
  in_close_frame_ = false;
}

}  // namespace wsfo::gateway
