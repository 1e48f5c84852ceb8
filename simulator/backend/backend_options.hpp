#pragma once
// What `wsfo backend` is told to do (DESIGN.md §1, backends). Plain data plus
// the validation of the texts a user types; no networking here.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace wsfo::backend {

struct ListenAddress {
  std::string host;        // numeric IPv4 or IPv6 address, without brackets
  std::uint16_t port = 0;  // 0: the kernel picks one (printed on the "ready" line)
};

// Who hears `<label> new connection: <path>`: every client, as in the seed's
// demo app, or only the new one. Announcing to all costs O(clients) messages
// per connection, so O(clients^2) while a fleet connects.
enum class Announce { all, self };

struct BackendOptions {
  std::string label = "backend";
  // Sent in the X-Wsfo-Backend header of the 101, so a client can tell apart
  // the backends of one unit (they share its label); empty: the label.
  std::string name;
  ListenAddress listen{"127.0.0.1", 8080};
  // Period of the `<seq>:<label>` broadcast; zero turns it off.
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  // Broadcasts shorter than this are padded to exactly this many bytes (see
  // pad_to_size); zero means no padding.
  std::size_t message_size = 0;
  bool echo = true;
  Announce announce = Announce::all;
  // Wait before answering each received message (a slow backend).
  std::chrono::nanoseconds reply_delay{0};
  // Exit abruptly (no close frames) this long after listening.
  std::optional<std::chrono::nanoseconds> crash_after;
  // PEM files: both set, the backend serves wss:// only (GET /stats over TLS
  // too); both empty, plain ws://.
  std::string tls_certificate_file;
  std::string tls_key_file;
};

inline constexpr std::size_t kMaxMessageSize = 16 * 1024 * 1024;
inline constexpr std::chrono::milliseconds kMinInterval{1};

// "127.0.0.1:8080", "[::1]:0". Returns a one-line reason on error.
std::optional<ListenAddress> parse_listen_address(const std::string& text, std::string& error);

// A duration such as "1500ms" or "3s" that must not be negative.
std::optional<std::chrono::nanoseconds> parse_backend_duration(const std::string& text, std::string& error);

// Label: 1..64 printable ASCII characters without spaces, because it is glued
// into every message and clients parse it back out.
bool valid_label(const std::string& label, std::string& error);

// "<seq>:<label>" padded to `size` bytes as "<seq>:<label>|xxxx...". Texts
// already at least `size` long (or size 0) are returned unchanged; when only
// one byte is missing the suffix is just "|".
std::string pad_to_size(std::string text, std::size_t size);

std::string format_host_port(const std::string& host, std::uint16_t port);

}  // namespace wsfo::backend
