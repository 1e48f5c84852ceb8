#include "core/gateway/frame_tracker.hpp"

#include <algorithm>

namespace wsfo::gateway {

namespace {
constexpr std::uint8_t kCloseOpcode = 0x8;
}

std::size_t FrameTracker::consume(const std::uint8_t* data, std::size_t size, bool stop_at_frame_end) {
  std::size_t i = 0;
  while (i < size) {
    if (state_ == State::header) {
      header_[header_size_++] = data[i++];
      if (header_size_ == 2) {
        std::uint8_t length7 = header_[1] & 0x7f;
        masked_ = (header_[1] & 0x80) != 0;
        header_needed_ = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked_ ? 4 : 0);
      }
      if (header_size_ >= 2 && header_size_ == header_needed_) {
        header_complete();
        if (payload_left_ == 0) {
          frame_end();
          if (stop_at_frame_end) return i;
        }
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

void FrameTracker::header_complete() {
  opcode_ = header_[0] & 0x0f;
  std::uint8_t length7 = header_[1] & 0x7f;
  std::size_t at = 2;
  if (length7 < 126) {
    payload_left_ = length7;
  } else {
    std::size_t bytes = length7 == 126 ? 2 : 8;
    payload_left_ = 0;
    for (std::size_t k = 0; k < bytes; ++k) payload_left_ = (payload_left_ << 8) | header_[at + k];
    at += bytes;
  }
  if (masked_) std::copy_n(header_.begin() + static_cast<std::ptrdiff_t>(at), 4, mask_.begin());
  payload_offset_ = 0;
  in_close_frame_ = opcode_ == kCloseOpcode;
  if (in_close_frame_) close_seen_ = true;
  state_ = State::payload;
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

std::size_t encode_close_frame(std::array<std::uint8_t, kMaxCloseFrameSize>& out, std::uint16_t code,
                               std::string_view reason, const std::optional<std::array<std::uint8_t, 4>>& mask) {
  reason = reason.substr(0, 123);
  std::size_t payload = 2 + reason.size();
  std::size_t at = 0;
  out[at++] = 0x80 | kCloseOpcode;  // FIN + close
  out[at++] = static_cast<std::uint8_t>((mask ? 0x80 : 0) | payload);
  if (mask) {
    std::copy(mask->begin(), mask->end(), out.begin() + static_cast<std::ptrdiff_t>(at));
    at += 4;
  }
  std::size_t start = at;
  out[at++] = static_cast<std::uint8_t>(code >> 8);
  out[at++] = static_cast<std::uint8_t>(code & 0xff);
  for (char c : reason) out[at++] = static_cast<std::uint8_t>(c);
  if (mask)
    for (std::size_t k = 0; k < payload; ++k) out[start + k] ^= (*mask)[k % 4];
  return at;
}

}  // namespace wsfo::gateway
