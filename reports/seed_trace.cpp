#include "reports/seed_trace.hpp"

#include <algorithm>

#include "core/checks/history_checks.hpp"
#include "reports/format.hpp"

namespace wsfo::reports {

namespace {

std::string text(const history::Event& event, const char* name) {
  auto it = event.fields.find(name);
  return it != event.fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string disconnected_line(const history::Event& event) {
  std::string reason = text(event, "reason");
  std::string line = "disconnected  (" + checks::disconnect_cause(event);
  if (!reason.empty()) line += ": " + reason;
  return line + ")";
}

std::string connected_line(const history::Event& event, std::int64_t disconnected_ns) {
  std::string line = "connected:" + std::to_string(*event.router_id) + "  (" + text(event, "unit");
  if (auto node = text(event, "node"); !node.empty()) line += ", " + node;
  return line + ", back after " + seconds(event.t_ns - disconnected_ns) + ")";
}

}  // namespace

std::vector<std::string> seed_trace(std::span<const history::Event> history, std::uint64_t router_id,
                                    std::int64_t from_ns, std::int64_t until_ns, std::size_t max_lines) {
  std::vector<std::string> lines;
  auto it =
      std::partition_point(history.begin(), history.end(), [&](const history::Event& e) { return e.t_ns < from_ns; });
  std::int64_t disconnected_ns = -1;
  std::int64_t last_failure_ns = -1;  // the disconnect or the last rejected attempt: what the delay counts from
  for (; it != history.end() && it->t_ns <= until_ns; ++it) {
    const history::Event& event = *it;
    if (event.router_id != router_id) continue;
    if (disconnected_ns < 0) {
      if (event.kind != "disconnected") continue;
      disconnected_ns = last_failure_ns = event.t_ns;
      lines.push_back(disconnected_line(event));
      continue;
    }
    if (lines.size() >= max_lines) {
      lines.push_back("...");
      return lines;
    }
    if (event.kind == "attempt") {
      lines.push_back("!!! reconnecting in ..." + std::to_string((event.t_ns - last_failure_ns) / 1'000'000) + " ms");
    } else if (event.kind == "redirect") {
      lines.push_back("!!! redirecting... from  " + text(event, "from") + "  to " + text(event, "to"));
    } else if (event.kind == "rejected") {
      last_failure_ns = event.t_ns;
      lines.push_back("!!! failed: " + text(event, "reason"));
    } else if (event.kind == "connected") {
      lines.push_back(connected_line(event, disconnected_ns));
      if (auto backend = text(event, "backend"); !backend.empty())
        lines.push_back("msg: Welcome to the server!" + backend);
      return lines;
    }
  }
  if (disconnected_ns >= 0) lines.push_back("(not reconnected by the end of the run)");
  return lines;
}

std::vector<std::uint64_t> trace_samples(const std::vector<std::uint64_t>& sorted_ids) {
  std::vector<std::uint64_t> samples;
  if (sorted_ids.empty()) return samples;
  for (std::size_t index : {std::size_t{0}, sorted_ids.size() / 2, sorted_ids.size() - 1})
    if (std::find(samples.begin(), samples.end(), sorted_ids[index]) == samples.end())
      samples.push_back(sorted_ids[index]);
  return samples;
}

}  // namespace wsfo::reports
