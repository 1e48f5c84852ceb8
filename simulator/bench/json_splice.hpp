#pragma once
// `wsfo calibrate --into`: puts a new value for one top-level key into a JSON
// object's text and leaves every other byte as it was (the file's own
// layout, comments aside, and key order survive, which a parse and dump
// would not keep).
#include <string>

namespace wsfo::bench {

// `text` must be a well-formed JSON object. The value of `key` is replaced
// by `value_json` (its lines after the first indented like the key), or the
// key is appended as the object's last member. Returns "" when `text` is not
// an object.
std::string splice_top_level(const std::string& text, const std::string& key, const std::string& value_json);

}  // namespace wsfo::bench
