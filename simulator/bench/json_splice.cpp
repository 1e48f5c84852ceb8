#include "simulator/bench/json_splice.hpp"

#include <cctype>

namespace wsfo::bench {

namespace json_splice_detail {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_blanks(const std::string& text, std::size_t at) {
  while (at < text.size() && blank(text[at])) ++at;
  return at;
}

// `at` on the opening quote: the index just past the closing one.
std::size_t skip_string(const std::string& text, std::size_t at) {
  for (++at; at < text.size() && text[at] != '"'; ++at)
    if (text[at] == '\\') ++at;
  return at + 1;
}

// `at` on a value's first byte: the index just past its last one.
std::size_t skip_value(const std::string& text, std::size_t at) {
  int depth = 0;
  for (; at < text.size(); ++at) {
    char c = text[at];
    if (c == '"') {
      at = skip_string(text, at) - 1;
      if (depth == 0) return at + 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return at;  // the end of the enclosing object
      if (--depth == 0) return at + 1;
    } else if (depth == 0 && (c == ',' || blank(c))) {
      return at;  // the end of a number, true, false or null
    }
  }
  return at;
}

// The blanks before the key on its line ("  " when the key shares its line).
std::string indent_of(const std::string& text, std::size_t key_at) {
  auto line = text.rfind('\n', key_at);
  std::size_t start = line == std::string::npos ? 0 : line + 1;
  std::string indent = text.substr(start, key_at - start);
  for (char c : indent)
    if (!blank(c)) return "  ";
  return indent;
}

std::string indented(const std::string& value_json, const std::string& indent) {
  std::string out;
  for (char c : value_json) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

}  // namespace json_splice_detail

std::string splice_top_level(const std::string& text, const std::string& key, const std::string& value_json) {
  using namespace json_splice_detail;
  std::size_t at = skip_blanks(text, 0);
  if (at >= text.size() || text[at] != '{') return {};
  ++at;
  std::size_t last_member_end = std::string::npos;  // just past the last member's value
  std::string indent = "  ";
  for (;;) {
    at = skip_blanks(text, at);
    if (at >= text.size()) return {};
    if (text[at] == '}') break;
    if (text[at] == ',') {
      ++at;
      continue;
    }
    if (text[at] != '"') return {};
    std::size_t key_at = at;
    at = skip_string(text, at);
    std::string name = text.substr(key_at + 1, at - key_at - 2);
    indent = indent_of(text, key_at);
    at = skip_blanks(text, at);
    if (at >= text.size() || text[at] != ':') return {};
    std::size_t value_at = skip_blanks(text, at + 1);
    std::size_t value_end = skip_value(text, value_at);
    if (name == key) return text.substr(0, value_at) + indented(value_json, indent) + text.substr(value_end);
    last_member_end = at = value_end;
  }
  std::string member = "\"" + key + "\": " + indented(value_json, indent);
  if (last_member_end == std::string::npos) return text.substr(0, at) + member + text.substr(at);
  return text.substr(0, last_member_end) + ",\n" + indent + member + text.substr(last_member_end);
}

}  // namespace wsfo::bench
