#include "core/history/records.hpp"

#include <algorithm>
#include <charconv>

namespace wsfo::history::detail {

namespace {

template <class Integer>
void append_number(std::string& out, Integer value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// A JSON string as nlohmann dumps it. Most texts need no escaping and are
// copied as they are: at a million clients, building a JSON value per text
// was most of the time spent writing the history.
void append_text(std::string& out, std::string_view value) {
  bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (!plain) {  // escapes and UTF-8 checks exactly as the JSON library does them
    out += Json(std::string(value)).dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += value;
  out += '"';
}

void append_key(std::string& out, std::string_view name) {
  out += ",\"";
  out += name;
  out += "\":";
}

}  // namespace

void append_head(std::string& out, const Stamp& stamp, std::string_view kind) {
  out += "{\"t_ns\":";
  append_number(out, stamp.t_ns);
  out += ",\"kind\":";
  append_text(out, kind);
  out += ",\"source\":";
  append_text(out, stamp.source);
  if (stamp.router_id) {
    out += ",\"routerId\":";
    append_number(out, *stamp.router_id);
  }
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  append_key(out, name);
  append_text(out, value);
}

void append_field(std::string& out, std::string_view name, std::int64_t value) {
  append_key(out, name);
  append_number(out, value);
}

void append_field(std::string& out, std::string_view name, std::uint64_t value) {
  append_key(out, name);
  append_number(out, value);
}

}  // namespace wsfo::history::detail
