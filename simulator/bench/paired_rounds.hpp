#pragma once
// A benchmark figure measured for two peers round after round, each round's
// pair back to back: the medians, and the median and range of the per-round
// ratios. Pairing cancels a drift of a shared machine's load between rounds;
// the median ignores one odd round, where a best-of-rounds figure would keep it.
#include <cstddef>
#include <string>
#include <vector>

namespace wsfo::bench {

struct PairedSummary {
  double median_a = 0;
  double median_b = 0;
  double ratio = 0;  // the median of a[i] / b[i]; 0 when there is no ratio
  double ratio_low = 0;
  double ratio_high = 0;
  std::size_t ratios = 0;  // rounds whose b was positive
};

// a / b; 0 when b is not positive (no figure to compare with).
double ratio_of(double a, double b);

// The median of `values`; the mean of the middle two for an even count; 0 for none.
double median(std::vector<double> values);

// Pairs a[i] with b[i] up to the shorter of the two.
PairedSummary summarize_pairs(const std::vector<double>& a, const std::vector<double>& b);

// `value` with `decimals` digits after the point, for the benches' tables.
std::string fixed(double value, int decimals);

}  // namespace wsfo::bench
