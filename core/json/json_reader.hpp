#pragma once
// Strict reading of user-written JSON (scenario files, rule files, gateway
// configs). Every problem is collected with the JSON pointer it concerns and
// what was expected; keys nobody asked for are reported as unknown, so nothing
// the user wrote is silently ignored.
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wsfo::json {

using Json = nlohmann::json;

struct Problem {
  std::string pointer;  // RFC 6901, "" for the document root
  std::string message;
};

std::string format(const Problem& problem);  // "/rules/ranges/1: expected ..."
std::string pointer_append(const std::string& pointer, const std::string& token);
std::string pointer_append(const std::string& pointer, std::size_t index);

class Problems {
 public:
  void add(std::string pointer, std::string message) { list_.push_back({std::move(pointer), std::move(message)}); }
  bool empty() const { return list_.empty(); }
  const std::vector<Problem>& list() const { return list_; }

 private:
  std::vector<Problem> list_;
};

// Parses `text`; a syntax error becomes a Problem naming the byte offset.
std::optional<Json> parse(const std::string& text, Problems& problems);

// "1500ms", "3s", "2m", "250us", "1.5s" → nanoseconds. nullopt when malformed.
std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text);
std::string format_duration(std::chrono::nanoseconds d);

class ObjectReader {
 public:
  // Reports a problem when `value` is not an object.
  ObjectReader(const Json& value, std::string pointer, Problems& problems);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  // Reports every key that no accessor asked for.
  ~ObjectReader();

  bool valid() const { return object_ != nullptr; }
  const std::string& pointer() const { return pointer_; }
  std::string pointer_of(const std::string& key) const { return pointer_append(pointer_, key); }
  bool has(const std::string& key);

  std::optional<std::string> string(const std::string& key, bool required);
  std::optional<std::int64_t> integer(const std::string& key, bool required, std::int64_t min, std::int64_t max);
  std::optional<double> number(const std::string& key, bool required, double min, double max);
  std::optional<bool> boolean(const std::string& key, bool required);
  std::optional<std::chrono::nanoseconds> duration(const std::string& key, bool required);
  // One of `choices`; the error lists them.
  std::optional<std::string> choice(const std::string& key, bool required, const std::vector<std::string>& choices);
  // The raw value for callers that read nested objects or arrays themselves.
  const Json* value(const std::string& key, bool required);
  const Json* array(const std::string& key, bool required);
  const Json* object(const std::string& key, bool required);

  Problems& problems() { return problems_; }

 private:
  const Json* lookup(const std::string& key, bool required, const char* expected);
  void wrong_type(const std::string& key, const char* expected, const Json& got);

  const Json* object_;
  std::string pointer_;
  Problems& problems_;
  std::set<std::string> seen_;
};

std::string type_name(const Json& value);

// Runs `read` and drops its result when it reported any problem, including
// unknown keys, which an ObjectReader reports only as it goes out of scope.
template <class Read>
auto read_strictly(Problems& problems, Read&& read) -> decltype(read()) {
  auto before = problems.list().size();
  auto result = read();
  if (problems.list().size() != before) return {};
  return result;
}

}  // namespace wsfo::json
