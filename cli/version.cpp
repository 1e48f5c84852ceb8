// `wsfo --version`: wsfo's version, the libraries it was built with and
// where its data files are.
#include <xbt/base.h>  // simgrid/version.h needs its declaration macros
#include <simgrid/version.h>

#include <boost/version.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.hpp"
#include "cli/self_path.hpp"

namespace wsfo::cli {

std::string version_text() {
  using std::to_string;
  return std::string("wsfo ") + WSFO_VERSION + "\nbuilt with Boost " + to_string(BOOST_VERSION / 100000) + "." +
         to_string(BOOST_VERSION / 100 % 1000) + "." + to_string(BOOST_VERSION % 100) + ", SimGrid " +
         to_string(SIMGRID_VERSION_MAJOR) + "." + to_string(SIMGRID_VERSION_MINOR) + "." +
         to_string(SIMGRID_VERSION_PATCH) + ", nlohmann/json " + to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
         to_string(NLOHMANN_JSON_VERSION_MINOR) + "." + to_string(NLOHMANN_JSON_VERSION_PATCH) + ", CLI11 " +
         CLI11_VERSION + "\ndata: " + data_dir();
}

}  // namespace wsfo::cli
