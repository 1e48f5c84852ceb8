#pragma once
// The inline SVG charts of report.html. Each chart is one <svg> with a stable
// id (chart-connections, chart-slots, chart-latency) and classed shapes, so
// tests (and a reader's browser) can find them.
#include <map>
#include <ostream>
#include <string>

#include "reports/report.hpp"

namespace wsfo::reports {

using UnitColours = std::map<std::string, std::string>;  // unit → CSS colour

UnitColours unit_colours(const Report& report);

// Open connections per unit over the run, a dashed marker per timeline event.
void connections_chart(const Report& report, const UnitColours& colours, std::ostream& out);
// The slot map (0..modulus-1) before and after, moved ranges outlined, and one
// row per timeline event that disconnected clients (or expected to) with the
// expected slots in grey and the disconnected ones in red over them.
void slot_map_chart(const Report& report, const UnitColours& colours, std::ostream& out);
// Disconnect → reconnect latency over every event, 30 bins.
void latency_histogram(const Report& report, std::ostream& out);

}  // namespace wsfo::reports
