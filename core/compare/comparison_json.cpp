#include "core/compare/comparison_json.hpp"

namespace wsfo::compare {

namespace {

using Json = nlohmann::json;

template <class T>
Json optional_value(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json side_json(const SideFigures& f) {
  return {{"disconnected", f.disconnected},
          {"reconnected", f.reconnected},
          {"reconnect_p99_ns", optional_value(f.reconnect_p99_ns)},
          {"takeover_ns", f.takeover_ns},
          {"silent",
           {{"affected", f.silent_affected},
            {"noticed_later", f.silent_noticed_later},
            {"not_noticed", f.silent_not_noticed}}}};
}

Json fate_json(const SideFate& f) {
  Json j = {{"fate", std::string(to_string(f.fate))}};
  if (f.disconnect)
    j["disconnect"] = {{"cause", f.disconnect->cause},
                       {"reason", f.disconnect->reason},
                       {"closed_by", f.disconnect->closed_by},
                       {"after_ns", f.disconnect->after_ns}};
  if (f.dead_after_ns) j["dead_after_ns"] = *f.dead_after_ns;
  if (f.noticed_after_ns) j["noticed_after_ns"] = *f.noticed_after_ns;
  if (f.dead_since_event) j["dead_since_event"] = *f.dead_since_event;
  return j;
}

}  // namespace

Json to_json(const Comparison& c) {
  Json events = Json::array();
  for (const EventComparison& e : c.events)
    events.push_back(
        {{"index", e.index},
         {"action", e.action},
         {"stacks", {{c.label_a, side_json(e.a)}, {c.label_b, side_json(e.b)}}},
         {"disconnected_only_on", {{c.label_a, e.disconnected_only_a}, {c.label_b, e.disconnected_only_b}}}});
  Json takeovers = Json::array();
  for (const TakeoverDifference& t : c.takeover_differences)
    takeovers.push_back({{"event", t.event},
                         {"vip", t.vip},
                         {"takeover_ns", {{c.label_a, optional_value(t.a_ns)}, {c.label_b, optional_value(t.b_ns)}}}});
  Json by_mechanism = Json::object();
  for (const auto& [mechanism, n] : c.count_by_mechanism()) by_mechanism[std::string(to_string(mechanism))] = n;
  Json differences = Json::array();
  for (const FateDifference& d : c.differences)
    differences.push_back({{"event", d.event},
                           {"routerId", d.router_id},
                           {"mechanism", std::string(to_string(d.mechanism))},
                           {"stacks", {{c.label_a, fate_json(d.a)}, {c.label_b, fate_json(d.b)}}}});
  Json mechanisms = Json::array();
  for (Mechanism m : all_mechanisms())
    mechanisms.push_back({{"name", std::string(to_string(m))}, {"definition", std::string(definition(m))}});
  return {{"stacks", {c.label_a, c.label_b}},
          {"problems", c.problems},
          {"events", events},
          {"takeover_differences", takeovers},
          {"differences_by_mechanism", by_mechanism},
          {"unexplained", c.unexplained()},
          {"differences", differences},
          {"mechanisms", mechanisms}};
}

}  // namespace wsfo::compare
