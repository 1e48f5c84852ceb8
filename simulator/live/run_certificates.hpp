#pragma once
// The run's throw-away certificates for a scenario with "tls": a CA made for
// this run only and one server certificate per gateway node, under
// <run_dir>/tls/ (live_plan.hpp names the files). Made with the OpenSSL API
// when the run starts, so nothing is downloaded and nothing outside the run
// directory trusts them. Shared by the engines on real processes: the
// loopback run (wsfo's gateways) and the real stack (nginx).
#include <string>

#include "core/scenario/scenario.hpp"

namespace wsfo::live {

// ca.pem, <node>.pem and <node>.key (mode 0600) for every node of the
// scenario, each certificate naming what a client may dial the node by
// (run::certificate_names); with "tls_to_backends", backends/<name>.pem and
// .key for every backend, the timeline's too, naming its address. Does
// nothing without "tls". "" or what could not be made or written: a part
// that failed to start.
std::string make_run_certificates(const scenario::Scenario& scenario, const std::string& run_dir);

}  // namespace wsfo::live
