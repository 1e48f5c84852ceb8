#include "core/gateway/frame_rules.hpp"

#include <cctype>

namespace wsfo::gateway {

namespace {

constexpr std::uint8_t kRsv1 = 0x40;
constexpr std::uint8_t kAllReserved = 0x70;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

FrameViolation protocol_error(std::string reason) { return {kCloseProtocolError, std::move(reason)}; }

std::string reserved_bits_text(std::uint8_t bits) {
  std::string out;
  for (int k = 1; k <= 3; ++k)
    if (bits & (0x80 >> k)) out += (out.empty() ? "RSV" : "+RSV") + std::to_string(k);
  return out;
}

}  // namespace

NegotiatedExtensions parse_negotiated_extensions(std::string_view header_value) {
  NegotiatedExtensions out;
  while (!header_value.empty()) {
    const std::size_t comma = header_value.find(',');
    std::string_view item = header_value.substr(0, comma);
    header_value = comma == std::string_view::npos ? std::string_view{} : header_value.substr(comma + 1);
    const std::string_view name = trim(item.substr(0, item.find(';')));
    if (name.empty()) continue;
    if (equals_ignoring_case(name, "permessage-deflate"))
      out.permessage_deflate = true;
    else
      out.other = true;
  }
  return out;
}

FramePolicy client_frame_policy(const NegotiatedExtensions& extensions, std::uint64_t max_message_bytes) {
  FramePolicy policy;
  policy.enforce = true;
  policy.sender = websocket::Sender::client;
  policy.reserved_allowed = extensions.other ? kAllReserved : extensions.permessage_deflate ? kRsv1 : 0;
  policy.deflate = extensions.permessage_deflate && !extensions.other;
  policy.max_message_bytes = max_message_bytes;
  return policy;
}

FramePolicy server_frame_policy(const NegotiatedExtensions& extensions) {
  FramePolicy policy = client_frame_policy(extensions, 0);
  policy.sender = websocket::Sender::server;
  return policy;
}

std::optional<FrameViolation> FrameRules::check(const websocket::FrameHeader& header) {
  if (!policy_.enforce) return std::nullopt;
  if (const std::uint8_t bad = header.reserved & ~policy_.reserved_allowed)
    return protocol_error("reserved bit " + reserved_bits_text(bad) + " set without a negotiated extension");
  if (policy_.sender == websocket::Sender::client && !header.masked)
    return protocol_error("unmasked frame from the client");
  if (policy_.sender == websocket::Sender::server && header.masked)
    return protocol_error("masked frame from the server");
  if (websocket::is_control(header.opcode)) {
    if (policy_.deflate && header.reserved) return protocol_error("RSV1 set on a control frame");
    return std::nullopt;  // between fragments or not, its size checked by the parser
  }
  const bool continuation = header.opcode == static_cast<std::uint8_t>(websocket::Opcode::continuation);
  if (continuation && !message_open_) return protocol_error("continuation frame with no message started");
  if (!continuation && message_open_)
    return protocol_error("new data frame while a fragmented message is unfinished");
  if (continuation && policy_.deflate && header.reserved) return protocol_error("RSV1 set on a continuation frame");
  const std::uint64_t before = continuation ? message_bytes_ : 0;
  if (policy_.max_message_bytes != 0 &&
      (header.payload_length > policy_.max_message_bytes || before > policy_.max_message_bytes - header.payload_length))
    return FrameViolation{kCloseMessageTooBig,
                          "message over " + std::to_string(policy_.max_message_bytes) + " bytes"};
  message_bytes_ = before + header.payload_length;
  message_open_ = !header.fin;
  return std::nullopt;
}

std::optional<FrameViolation> FrameRules::check(const websocket::MalformedHeader& malformed) const {
  if (!policy_.enforce) return std::nullopt;
  return protocol_error(malformed.message());
}

}  // namespace wsfo::gateway
