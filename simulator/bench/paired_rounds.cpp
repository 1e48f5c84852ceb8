#include "simulator/bench/paired_rounds.hpp"

#include <algorithm>
#include <cstdio>

namespace wsfo::bench {

double ratio_of(double a, double b) { return b > 0 ? a / b : 0; }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

PairedSummary summarize_pairs(const std::vector<double>& a, const std::vector<double>& b) {
  auto rounds = std::min(a.size(), b.size());
  std::vector<double> ratios;
  for (std::size_t i = 0; i < rounds; ++i)
    if (b[i] > 0) ratios.push_back(ratio_of(a[i], b[i]));
  PairedSummary summary;
  summary.median_a = median({a.begin(), a.begin() + static_cast<std::ptrdiff_t>(rounds)});
  summary.median_b = median({b.begin(), b.begin() + static_cast<std::ptrdiff_t>(rounds)});
  summary.ratios = ratios.size();
  if (ratios.empty()) return summary;
  summary.ratio = median(ratios);
  auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
  summary.ratio_low = *low;
  summary.ratio_high = *high;
  return summary;
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace wsfo::bench
