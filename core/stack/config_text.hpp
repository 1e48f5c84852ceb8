#pragma once
// What the nginx and keepalived renderers share: a value written into a
// config file as one bare word must not be read as syntax by either tool.
#include <string>

namespace wsfo::stack {

// True when `value` is non-empty and holds no whitespace, control character,
// quote, backslash or any of ; { } $ # ! (statement ends, blocks, variables,
// comments); else false with `error` naming `what` and the character.
bool check_config_word(const std::string& value, const std::string& what, std::string& error);

}  // namespace wsfo::stack
