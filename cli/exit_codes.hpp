#pragma once
// The one exit-code table every wsfo subcommand follows (README.md, "Exit
// codes"). Commands name the kind of outcome; the number comes from here.
#include <exception>
#include <string>

namespace wsfo::cli {

enum ExitCode : int {
  kOk = 0,  // success; every expectation held
  // 1: a negative verdict.
  kCheckFailed = 1,    // an expectation failed, a target was missed, a cutover was aborted or rolled back
  kInputRejected = 1,  // a check command (`wsfo scenario check`) found its input invalid
  // 2: the command could not do its job.
  kUsage = 2,          // a bad flag or flag value, a missing argument (CLI11's parse errors too)
  kInvalidInput = 2,   // an input the command needs (scenario, rules, config) is invalid
  kNotJudged = 2,      // a part failed to start or died on its own: the run could not be judged
  kCannotStart = 2,    // this process could not start its service (an address it cannot listen on)
  kUnrealisable = 2,   // an action or a stack this machine or this stack cannot realise
  kUnreachable = 2,    // a service it works through (a gateway's admin API) did not answer
  // 3: a file could not be read or written.
  kIoError = 3,
  // A run ended by SIGINT or SIGTERM writes what was played, then dies by that
  // signal (a shell shows 128 + its number): no code of its own here.
};

// A file an input names: kIoError when it could not be read, else kInvalidInput.
inline int invalid_input_exit(bool unreadable) { return unreadable ? kIoError : kInvalidInput; }

// True when `path` opens for reading and is not a directory; else prints
// "<command>: cannot read '<path>': <why>" on stderr (the caller exits kIoError).
bool readable_or_say(const std::string& command, const std::string& path);

// An exception that ended a command: a filesystem error is kIoError, anything
// else (a part that did not start, a socket) kNotJudged.
int exit_code_of(const std::exception& error);

}  // namespace wsfo::cli
