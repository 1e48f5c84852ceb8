#include "core/clients/reconnect_policy.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/util/random.hpp"

namespace wsfo::clients {
namespace {

std::optional<Nanos> positive_duration(const std::string& text, const std::string& what, std::string& error) {
  auto d = json::parse_duration(text);
  if (!d) {
    error = what + ": '" + text + "' is not a duration (expected e.g. 1500ms, 3s)";
    return std::nullopt;
  }
  if (d->count() <= 0) {
    error = what + " must be greater than zero";
    return std::nullopt;
  }
  return d;
}

std::optional<double> parse_fraction(const std::string& text, std::string& error) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value >= 0 && value <= 1)) {
    error = "reconnect backoff jitter: '" + text + "' is not a fraction from 0 to 1 (e.g. jitter=0.2)";
    return std::nullopt;
  }
  return value;
}

std::optional<ReconnectSpec> parse_backoff(const std::string& args, std::string& error) {
  ExponentialBackoff backoff;
  std::size_t start = 0;
  while (start <= args.size() && !args.empty()) {
    auto comma = args.find(',', start);
    std::string item = args.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto eq = item.find('=');
    if (eq == std::string::npos) {
      error = "reconnect backoff: expected key=duration, got '" + item + "'";
      return std::nullopt;
    }
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "jitter") {
      auto fraction = parse_fraction(value, error);
      if (!fraction) return std::nullopt;
      backoff.jitter = *fraction;
      if (comma == std::string::npos) break;
      start = comma + 1;
      continue;
    }
    Nanos* target = key == "base" ? &backoff.base : key == "cap" ? &backoff.cap : nullptr;
    if (!target) {
      error = "reconnect backoff: unknown key '" + key + "' (expected base, cap or jitter)";
      return std::nullopt;
    }
    auto d = positive_duration(value, "reconnect backoff " + key, error);
    if (!d) return std::nullopt;
    *target = *d;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (backoff.cap < backoff.base) {
    error = "reconnect backoff: cap (" + json::format_duration(backoff.cap) + ") is smaller than base (" +
            json::format_duration(backoff.base) + ")";
    return std::nullopt;
  }
  return backoff;
}

}  // namespace

std::optional<ReconnectSpec> parse_reconnect_spec(const std::string& text, std::string& error) {
  auto colon = text.find(':');
  std::string kind = text.substr(0, colon);
  std::string args = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (kind == "fixed") {
    if (args.empty()) return FixedDelay{};
    auto d = json::parse_duration(args);
    if (!d || d->count() < 0) {
      error = "reconnect fixed: '" + args + "' is not a duration (expected e.g. fixed:1500ms)";
      return std::nullopt;
    }
    return FixedDelay{*d};
  }
  if (kind == "backoff") return parse_backoff(args, error);
  error = "reconnect: '" + text + "' is neither fixed:<delay> nor backoff:base=<d>,cap=<d>";
  return std::nullopt;
}

ReconnectSpec reconnect_spec(const scenario::ReconnectPolicy& policy) {
  if (auto* fixed = std::get_if<scenario::FixedReconnect>(&policy)) return FixedDelay{fixed->delay};
  const auto& b = std::get<scenario::BackoffReconnect>(policy);
  return ExponentialBackoff{b.base, b.cap, b.jitter};
}

std::string to_string(const ReconnectSpec& spec) {
  if (auto fixed = std::get_if<FixedDelay>(&spec)) return "fixed:" + json::format_duration(fixed->delay);
  const auto& b = std::get<ExponentialBackoff>(spec);
  std::string text = "backoff:base=" + json::format_duration(b.base) + ",cap=" + json::format_duration(b.cap);
  if (b.jitter) {
    char fraction[32];
    auto end = std::to_chars(fraction, fraction + sizeof fraction, *b.jitter).ptr;
    text += ",jitter=" + std::string(fraction, end);
  }
  return text;
}

Nanos reconnect_delay(const ReconnectSpec& spec, std::uint32_t failures, std::uint64_t draw,
                      std::optional<Nanos> retry_after) {
  Nanos delay;
  if (auto fixed = std::get_if<FixedDelay>(&spec)) {
    delay = fixed->delay;
  } else {
    const auto& b = std::get<ExponentialBackoff>(spec);
    // base * 2^failures, saturating at cap without overflowing.
    std::int64_t ceiling = b.base.count();
    for (std::uint32_t i = 0; i < failures && ceiling < b.cap.count(); ++i) ceiling *= 2;
    ceiling = std::min(ceiling, b.cap.count());
    if (!b.jitter) {
      delay = Nanos(
          static_cast<std::int64_t>(util::SplitMix64::scale_inclusive(draw, static_cast<std::uint64_t>(ceiling))));
    } else {
      // ceiling * (1 - f) + ceiling * 2f * u, with u = draw / 2^64 in [0, 1).
      double u = static_cast<double>(draw >> 11) * 0x1.0p-53;
      double factor = 1.0 - *b.jitter + 2.0 * *b.jitter * u;
      delay = Nanos(static_cast<std::int64_t>(static_cast<double>(ceiling) * factor));
    }
  }
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

Nanos ReconnectPolicy::schedule_retry(Nanos now, std::uint64_t draw, std::optional<Nanos> retry_after) {
  Nanos delay = reconnect_delay(*spec_, failures_, draw, retry_after);
  if (failures_ < UINT32_MAX) ++failures_;
  return now + delay;
}

}  // namespace wsfo::clients
