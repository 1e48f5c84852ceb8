#pragma once
// The gateway's counters and their Prometheus text exposition (format 0.0.4).
// Byte counters are plain integers updated on the relay's hot path; labelled
// counters change once per handshake or close.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace wsfo::gateway {

class Metrics {
 public:
  enum class Outcome { proxied, redirected, rejected };

  void handshake(Outcome outcome, std::string_view reason = {});
  void connection_opened(const std::string& unit) { ++connections_[unit]; }
  void connection_closed(const std::string& unit, std::uint16_t code);
  void add_client_to_backend_bytes(std::uint64_t n) { client_to_backend_bytes_ += n; }
  void add_backend_to_client_bytes(std::uint64_t n) { backend_to_client_bytes_ += n; }
  void set_rules(std::uint64_t active_version, std::optional<std::uint64_t> pending_version);
  void set_serving(bool serving) { serving_ = serving; }
  void set_handshakes_in_progress(std::size_t n) { handshakes_in_progress_ = n; }
  // An accept that failed; `reason` is "descriptors" (EMFILE, ENFILE) or "other".
  void accept_failed(std::string_view reason) { ++accept_failures_[std::string(reason)]; }
  // A TLS client named a server its certificate does not carry: it was
  // served the default certificate all the same.
  void unknown_server_name() { ++unknown_server_names_; }
  std::uint64_t unknown_server_names() const { return unknown_server_names_; }

  std::int64_t connections(const std::string& unit) const;
  std::uint64_t handshakes(Outcome outcome, std::string_view reason = {}) const;
  std::uint64_t closes(std::uint16_t code) const;
  std::size_t handshakes_in_progress() const { return handshakes_in_progress_; }
  std::uint64_t accept_failures(std::string_view reason) const;

  // `node` and `unit` become labels of wsfo_gateway_info.
  std::string render(const std::string& node, const std::string& unit) const;

 private:
  std::map<std::string, std::int64_t> connections_;
  std::map<std::pair<Outcome, std::string>, std::uint64_t> handshakes_;
  std::map<std::uint16_t, std::uint64_t> closes_;
  std::map<std::string, std::uint64_t, std::less<>> accept_failures_;
  std::size_t handshakes_in_progress_ = 0;
  std::uint64_t unknown_server_names_ = 0;
  std::uint64_t client_to_backend_bytes_ = 0;
  std::uint64_t backend_to_client_bytes_ = 0;
  std::uint64_t rules_version_ = 0;
  std::optional<std::uint64_t> pending_version_;
  bool serving_ = true;
};

std::string_view to_string(Metrics::Outcome outcome);

// A Prometheus label value with '\', '"' and newlines escaped.
std::string escape_label_value(std::string_view value);

}  // namespace wsfo::gateway
