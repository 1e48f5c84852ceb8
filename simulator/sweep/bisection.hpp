#pragma once
// The search of `wsfo simulate --sweep` (docs/sweep.md): the largest
// population for which a scenario's expectations hold. TO first (passing
// there ends the search: no knee within the range), then FROM (failing there
// ends it too), then bisection until the largest passing and the smallest
// failing population are within the precision. A trial that could not be
// judged stops the search: a part that fails is reported as that, never as a
// verdict. The trials themselves are the caller's (child processes).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::sweep {

enum class TrialVerdict { pass, fail, error };

struct Resource {
  std::string kind;  // "gateway-cpu", "backend-cpu", "link"
  std::string name;  // the node, backend host or link
  double peak = 0;   // peak utilisation, 0..1 (of one core, or of the link's bandwidth)
};

struct Trial {
  std::uint64_t population = 0;  // the swept groups' clients
  std::uint64_t clients = 0;     // every group's
  TrialVerdict verdict = TrialVerdict::error;
  int exit_code = -1;
  std::string error;                       // why it could not be judged
  std::vector<std::string> failed{};       // failed expectations: "#0 reconnect_within"
  std::optional<Resource> busiest_node{};  // the gateway node with the highest peak CPU
  std::optional<Resource> busiest{};       // the resource with the highest peak of any kind
  double wall_s = 0;
  std::string dir{};  // the trial's directory
};

enum class SweepOutcome {
  knee,           // passes at `passing`, fails at `failing`, within the precision
  holds_at_to,    // no knee within the range
  fails_at_from,  // fails already at FROM
  trial_error,    // a trial could not be judged
};

struct SweepSearch {
  SweepOutcome outcome = SweepOutcome::trial_error;
  std::vector<Trial> trials;               // in the order they ran
  std::optional<std::uint64_t> passing{};  // largest passing population
  std::optional<std::uint64_t> failing{};  // smallest failing population
};

// `run_trial` plays one population. from <= to, precision >= 1.
SweepSearch bisect(std::uint64_t from, std::uint64_t to, std::uint64_t precision,
                   const std::function<Trial(std::uint64_t population)>& run_trial);

// "--precision": "N" clients or "P%" of TO - FROM; at least 1 client. Empty
// text: the default, 1% of TO - FROM. nullopt when malformed or not positive.
std::optional<std::uint64_t> parse_precision(const std::string& text, std::uint64_t from, std::uint64_t to);

std::string outcome_name(SweepOutcome outcome);  // "knee", "holds-at-to", "fails-at-from", "trial-error"
std::string verdict_name(TrialVerdict verdict);  // "pass", "fail", "error"

}  // namespace wsfo::sweep
