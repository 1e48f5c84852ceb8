#include "core/gateway/admin_auth.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace wsfo::gateway {

namespace {

constexpr std::string_view kBearer = "Bearer ";

// Whether `text` is a dotted quad (four decimal octets) whose first is 127.
bool loopback_v4(std::string_view text) {
  std::array<int, 4> octets{};
  std::size_t index = 0;
  int value = -1;
  for (char c : text) {
    if (c == '.') {
      if (value < 0 || index == 3) return false;
      octets[index++] = value;
      value = -1;
    } else if (c >= '0' && c <= '9') {
      value = (value < 0 ? 0 : value * 10) + (c - '0');
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  if (value < 0 || index != 3) return false;
  octets[3] = value;
  return octets[0] == 127;
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
  if (token.empty()) return false;
  // Every byte of "Bearer <token>" is compared against the input (or 0 past
  // its end); a length difference is folded in at the end.
  const std::size_t expected_size = kBearer.size() + token.size();
  volatile std::uint8_t difference = authorization.size() == expected_size ? 0 : 1;
  for (std::size_t i = 0; i < expected_size; ++i) {
    auto expected = static_cast<std::uint8_t>(i < kBearer.size() ? kBearer[i] : token[i - kBearer.size()]);
    auto given = static_cast<std::uint8_t>(i < authorization.size() ? authorization[i] : 0);
    difference = static_cast<std::uint8_t>(difference | (expected ^ given));
  }
  return difference == 0;
}

bool admin_request_allowed(const AdminAuth& auth, std::string_view path, std::string_view authorization) {
  if (!auth.required) return true;
  if (std::find(auth.open_paths.begin(), auth.open_paths.end(), path) != auth.open_paths.end()) return true;
  return bearer_matches(authorization, auth.token);
}

bool is_loopback_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  for (std::string_view prefix : {"::ffff:", "::FFFF:"})
    if (host.substr(0, prefix.size()) == prefix) return loopback_v4(host.substr(prefix.size()));
  return loopback_v4(host);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<std::uint8_t>(c);
    text += kDigits[b >> 4];
    text += kDigits[b & 0x0f];
  }
  return text;
}

std::string token_file_stem(std::string_view node) {
  std::string stem(node);
  for (char& c : stem) {
    bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!keep) c = '_';
  }
  if (stem.empty() || stem == "." || stem == "..") stem = "gateway";
  return stem;
}

}  // namespace wsfo::gateway
