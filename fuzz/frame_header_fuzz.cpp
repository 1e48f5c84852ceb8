// core/websocket/frame_header: the one RFC 6455 header parser, under every
// rule set, given the bytes whole and then a byte at a time.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "core/websocket/frame_header.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace wsfo::websocket;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const HeaderRules rules{static_cast<Sender>(data[0] % 3), (data[0] & 4) != 0};
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  const HeaderParse whole = parse_header(bytes, rules);
  if (const auto* header = std::get_if<FrameHeader>(&whole)) {
    WSFO_FUZZ_CHECK(header->size >= 2 && header->size <= kMaxHeaderSize && header->size <= bytes.size());
    WSFO_FUZZ_CHECK(header->opcode < 16 && (header->reserved & ~0x70) == 0);
    WSFO_FUZZ_CHECK(header->payload_length < (std::uint64_t{1} << 63));
    if (is_control(header->opcode)) WSFO_FUZZ_CHECK(header->fin && header->payload_length <= kMaxControlPayload);
    if (rules.sender == Sender::client) WSFO_FUZZ_CHECK(header->masked);
    if (rules.sender == Sender::server) WSFO_FUZZ_CHECK(!header->masked);
    if (!rules.reserved_bits_allowed) WSFO_FUZZ_CHECK(header->reserved == 0);
  } else if (const auto* bad = std::get_if<MalformedHeader>(&whole)) {
    WSFO_FUZZ_CHECK(!bad->message().empty());
  } else {
    const auto& more = std::get<NeedMore>(whole);
    WSFO_FUZZ_CHECK(more.header_size > bytes.size() && more.header_size <= kMaxHeaderSize);
  }
  // Fed a byte more each time, as from a slow peer: it asks for more until the
  // same verdict as on the whole bytes.
  for (std::size_t have = 0; have <= bytes.size(); ++have) {
    const HeaderParse part = parse_header(bytes.first(have), rules);
    if (const auto* more = std::get_if<NeedMore>(&part)) {
      WSFO_FUZZ_CHECK(more->header_size > have);
      continue;
    }
    WSFO_FUZZ_CHECK(part == whole);
    break;
  }
  return 0;
}
