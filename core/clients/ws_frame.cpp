#include "core/clients/ws_frame.hpp"

#include <algorithm>
#include <variant>

#include "core/websocket/close_frame.hpp"

namespace wsfo::clients::ws {
namespace {

using websocket::is_control;

// What the fleet reads comes from a server, and it offers no extension.
constexpr websocket::HeaderRules kServerFrames{websocket::Sender::server, false};

}  // namespace

void append_frame(std::string& out, Opcode opcode, std::string_view payload, std::uint32_t mask_key) {
  out += static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  std::uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  }
  char mask[4] = {static_cast<char>(mask_key >> 24), static_cast<char>(mask_key >> 16),
                  static_cast<char>(mask_key >> 8), static_cast<char>(mask_key)};
  out.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out += static_cast<char>(payload[i] ^ mask[i % 4]);
}

void append_close(std::string& out, std::uint16_t code, std::string_view reason, std::uint32_t mask_key) {
  std::array<std::uint8_t, websocket::kMaxCloseFrameSize> frame{};
  const std::array<std::uint8_t, 4> mask = {
      static_cast<std::uint8_t>(mask_key >> 24), static_cast<std::uint8_t>(mask_key >> 16),
      static_cast<std::uint8_t>(mask_key >> 8), static_cast<std::uint8_t>(mask_key)};
  const std::size_t size = websocket::encode_close_frame(frame, code, reason, mask);
  out.append(reinterpret_cast<const char*>(frame.data()), size);
}

void FrameParser::reset() {
  remaining_ = message_bytes_ = 0;
  header_have_ = 0;
  header_need_ = 2;
  in_payload_ = fin_ = in_message_ = closed_ = false;
  close_code_ = 0;
  std::string().swap(control_);
  std::string().swap(error_);
}

bool FrameParser::fail(std::uint16_t code, std::string why) {
  close_code_ = code;
  error_ = std::move(why);
  return false;
}

bool FrameParser::feed(std::string_view bytes, FrameHandler& handler) {
  if (!error_.empty()) return false;
  while (!bytes.empty() && !closed_) {
    if (!in_payload_) {
      auto take = std::min<std::size_t>(bytes.size(), header_need_ - header_have_);
      std::copy_n(bytes.data(), take, header_ + header_have_);
      header_have_ = static_cast<std::uint8_t>(header_have_ + take);
      bytes.remove_prefix(take);
      if (header_have_ < header_need_) continue;
      if (!header_complete(handler)) return false;
      continue;
    }
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), remaining_));
    remaining_ -= take;
    if (is_control(opcode_)) {
      control_.append(bytes.data(), take);
      bytes.remove_prefix(take);
      if (remaining_ == 0 && !finish_control(handler)) return false;
    } else {
      deliver(bytes.substr(0, take), handler);
      bytes.remove_prefix(take);
    }
  }
  return true;
}

// Called when header_need_ bytes are in: either it needs more (extended
// length) or the frame's payload starts.
bool FrameParser::header_complete(FrameHandler& handler) {
  const auto parsed = websocket::parse_header({header_, header_have_}, kServerFrames);
  if (const auto* more = std::get_if<websocket::NeedMore>(&parsed)) {
    header_need_ = static_cast<std::uint8_t>(more->header_size);
    return true;
  }
  if (const auto* malformed = std::get_if<websocket::MalformedHeader>(&parsed))
    return fail(kCloseProtocolError, malformed->message());
  const auto& header = std::get<websocket::FrameHeader>(parsed);
  fin_ = header.fin;
  opcode_ = static_cast<Opcode>(header.opcode);
  const std::uint64_t length = header.payload_length;
  header_have_ = 0;
  header_need_ = 2;
  if (!is_control(opcode_)) {  // control frames were judged with the header
    bool continuation = opcode_ == Opcode::continuation;
    if (continuation && !in_message_) return fail(kCloseProtocolError, "continuation frame without a message");
    if (!continuation && in_message_) return fail(kCloseProtocolError, "new message before the last one ended");
    if (!continuation) message_bytes_ = 0;
    if (length > max_message_ || message_bytes_ + length > max_message_)
      return fail(kCloseTooBig, "a message exceeded the limit of " + std::to_string(max_message_) + " bytes");
    in_message_ = !fin_;
  }
  remaining_ = length;
  in_payload_ = true;
  if (length == 0) {
    if (is_control(opcode_)) return finish_control(handler);
    deliver({}, handler);
  }
  return true;
}

void FrameParser::deliver(std::string_view data, FrameHandler& handler) {
  message_bytes_ += data.size();
  bool frame_done = remaining_ == 0;
  if (frame_done) in_payload_ = false;
  if (!data.empty() || frame_done) handler.on_message_data(data, frame_done && fin_);
}

bool FrameParser::finish_control(FrameHandler& handler) {
  in_payload_ = false;
  std::string payload;
  payload.swap(control_);
  switch (opcode_) {
    case Opcode::ping:
      handler.on_ping(payload);
      break;
    case Opcode::pong:
      handler.on_pong(payload);
      break;
    case Opcode::close: {
      if (payload.size() == 1) return fail(kCloseProtocolError, "close frame with a 1-byte payload");
      std::uint16_t code = 1005;
      if (payload.size() >= 2)
        code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                          static_cast<std::uint8_t>(payload[1]));
      closed_ = true;
      handler.on_close(code, payload.size() > 2 ? std::string_view(payload).substr(2) : std::string_view());
      break;
    }
    default:
      break;
  }
  return true;
}

}  // namespace wsfo::clients::ws
