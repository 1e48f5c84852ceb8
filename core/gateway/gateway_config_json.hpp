#pragma once
// A GatewayConfig as the document `wsfo gateway --config FILE` reads
// (docs/gateway-config.md): what the live engine writes for each node it
// starts. read_gateway_config(to_json(c)) gives c back.
#include "core/gateway/gateway_config.hpp"
#include "core/json/json_reader.hpp"

namespace wsfo::gateway {

json::Json to_json(const GatewayConfig& config);

}  // namespace wsfo::gateway
