// Gateway configs (`wsfo gateway --config FILE`, docs/gateway-config.md): the
// text through core/json and core/gateway/gateway_config's strict reader,
// with command-line overrides as load_gateway_config applies them. An
// accepted config reads back the same from the JSON the live engine writes.
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>

#include "core/gateway/gateway_config.hpp"
#include "core/gateway/gateway_config_json.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace wsfo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  gateway::ConfigOverrides overrides;
  if (in.ConsumeBool()) {
    overrides.listen = {in.ConsumeRandomLengthString(32)};
    overrides.admin = in.ConsumeRandomLengthString(32);
    overrides.node = in.ConsumeRandomLengthString(16);
    overrides.token = in.ConsumeRandomLengthString(16);
  }
  json::Problems problems;
  auto document = json::parse(in.ConsumeRemainingBytesAsString(), problems);
  fuzz::check_problems(problems, document.has_value());
  if (!document) return 0;
  gateway::apply_overrides(*document, overrides);
  const auto config = gateway::read_gateway_config(*document, problems);
  fuzz::check_problems(problems, config.has_value());
  if (!config) return 0;
  json::Problems again;
  const auto back = gateway::read_gateway_config(gateway::to_json(*config), again);
  WSFO_FUZZ_CHECK(back.has_value() && again.empty());
  WSFO_FUZZ_CHECK(gateway::to_json(*back) == gateway::to_json(*config));
  return 0;
}
