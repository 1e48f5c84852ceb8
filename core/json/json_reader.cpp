#include "core/json/json_reader.hpp"

#include <cmath>
#include <limits>

namespace wsfo::json {

std::string format(const Problem& problem) {
  return (problem.pointer.empty() ? std::string("(root)") : problem.pointer) + ": " + problem.message;
}

std::string pointer_append(const std::string& pointer, const std::string& token) {
  std::string escaped;
  for (char c : token) {
    if (c == '~')
      escaped += "~0";
    else if (c == '/')
      escaped += "~1";
    else
      escaped += c;
  }
  return pointer + "/" + escaped;
}

std::string pointer_append(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::optional<Json> parse(const std::string& text, Problems& problems) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    problems.add("", std::string("invalid JSON at byte ") + std::to_string(e.byte) + ": " + e.what());
    return std::nullopt;
  } catch (const Json::exception& e) {
    // Valid syntax nlohmann cannot hold: a number beyond a double's range
    // ("1e999") is out_of_range, not a parse_error.
    problems.add("", std::string("invalid JSON: ") + e.what());
    return std::nullopt;
  }
}

std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0 || i == text.size()) return std::nullopt;
  std::string number = text.substr(0, i), unit = text.substr(i);
  if (number.front() == '.' || number.back() == '.' || number.find('.') != number.rfind('.')) return std::nullopt;
  double scale = 0;
  if (unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else
    return std::nullopt;
  double ns = std::stod(number) * scale;
  if (!std::isfinite(ns) || ns > 1e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::string format_duration(std::chrono::nanoseconds d) {
  auto ns = d.count();
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

std::string type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

ObjectReader::ObjectReader(const Json& value, std::string pointer, Problems& problems)
    : object_(value.is_object() ? &value : nullptr), pointer_(std::move(pointer)), problems_(problems) {
  if (!object_) problems_.add(pointer_, "expected an object, got " + type_name(value));
}

ObjectReader::~ObjectReader() {
  if (!object_) return;
  for (const auto& [key, v] : object_->items())
    if (!seen_.count(key)) problems_.add(pointer_of(key), "unknown key '" + key + "'");
}

bool ObjectReader::has(const std::string& key) { return object_ && object_->contains(key); }

const Json* ObjectReader::lookup(const std::string& key, bool required, const char* expected) {
  seen_.insert(key);
  if (!object_) return nullptr;
  auto it = object_->find(key);
  if (it == object_->end()) {
    if (required) problems_.add(pointer_of(key), std::string("missing required key, expected ") + expected);
    return nullptr;
  }
  return &*it;
}

void ObjectReader::wrong_type(const std::string& key, const char* expected, const Json& got) {
  problems_.add(pointer_of(key), std::string("expected ") + expected + ", got " + type_name(got));
}

std::optional<std::string> ObjectReader::string(const std::string& key, bool required) {
  const Json* v = lookup(key, required, "a string");
  if (!v) return std::nullopt;
  if (!v->is_string()) return wrong_type(key, "a string", *v), std::nullopt;
  return v->get<std::string>();
}

std::optional<std::int64_t> ObjectReader::integer(const std::string& key, bool required, std::int64_t min,
                                                  std::int64_t max) {
  const Json* v = lookup(key, required, "an integer");
  if (!v) return std::nullopt;
  std::string range = " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    problems_.add(pointer_of(key), "expected an integer" + range + ", got " + v->dump());
    return std::nullopt;
  }
  if (!v->is_number_integer()) return wrong_type(key, ("an integer" + range).c_str(), *v), std::nullopt;
  auto n = v->get<std::int64_t>();
  if (n < min || n > max) {
    problems_.add(pointer_of(key), "expected an integer" + range + ", got " + std::to_string(n));
    return std::nullopt;
  }
  return n;
}

std::optional<double> ObjectReader::number(const std::string& key, bool required, double min, double max) {
  const Json* v = lookup(key, required, "a number");
  if (!v) return std::nullopt;
  if (!v->is_number()) return wrong_type(key, "a number", *v), std::nullopt;
  double n = v->get<double>();
  if (n < min || n > max) {
    problems_.add(pointer_of(key),
                  "expected a number in [" + Json(min).dump() + ", " + Json(max).dump() + "], got " + v->dump());
    return std::nullopt;
  }
  return n;
}

std::optional<bool> ObjectReader::boolean(const std::string& key, bool required) {
  const Json* v = lookup(key, required, "a boolean");
  if (!v) return std::nullopt;
  if (!v->is_boolean()) return wrong_type(key, "a boolean", *v), std::nullopt;
  return v->get<bool>();
}

std::optional<std::chrono::nanoseconds> ObjectReader::duration(const std::string& key, bool required) {
  static const char* expected = "a duration such as \"1500ms\" or \"3s\"";
  const Json* v = lookup(key, required, expected);
  if (!v) return std::nullopt;
  if (!v->is_string()) return wrong_type(key, expected, *v), std::nullopt;
  auto d = parse_duration(v->get<std::string>());
  if (!d) problems_.add(pointer_of(key), std::string("expected ") + expected + ", got " + v->dump());
  return d;
}

std::optional<std::string> ObjectReader::choice(const std::string& key, bool required,
                                                const std::vector<std::string>& choices) {
  auto s = string(key, required);
  if (!s) return std::nullopt;
  for (const auto& c : choices)
    if (c == *s) return s;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + ("\"" + c + "\"");
  problems_.add(pointer_of(key), "expected one of " + list + ", got \"" + *s + "\"");
  return std::nullopt;
}

const Json* ObjectReader::value(const std::string& key, bool required) { return lookup(key, required, "a value"); }

const Json* ObjectReader::array(const std::string& key, bool required) {
  const Json* v = lookup(key, required, "an array");
  if (v && !v->is_array()) return wrong_type(key, "an array", *v), nullptr;
  return v;
}

const Json* ObjectReader::object(const std::string& key, bool required) {
  const Json* v = lookup(key, required, "an object");
  if (v && !v->is_object()) return wrong_type(key, "an object", *v), nullptr;
  return v;
}

}  // namespace wsfo::json
