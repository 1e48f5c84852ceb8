#pragma once
// The smallest point `wsfo bench fidelity` plays: the storm point shrunk to
// 30 clients and 7 s (a node kill at 3 s), for the tests that run the bench.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

namespace wsfo::test_support {

// Writes it as `dir`/tiny.json, on addresses 127.<octet>.x of its own (each
// test its own: ctest runs them in parallel).
inline void write_tiny_fidelity_point(const std::filesystem::path& dir, const std::string& octet) {
  std::filesystem::create_directories(dir);
  std::ifstream in(std::string(WSFO_SOURCE_DIR) + "/scenarios/fidelity/storm-2k.json");
  auto s = nlohmann::json::parse(in);
  s["name"] = "tiny";
  s["duration"] = "7s";
  s["clients"][0]["router_ids"] = {{"from", 0}, {"to", 29}};
  s["timeline"][0]["at"] = "3s";
  s["timeline"][0]["expect"] = {{"reconnect_within", "4s"}};
  const std::regex block("^127\\.61\\.");
  const std::string own = "127." + octet + ".";
  for (auto& node : s["units"][0]["nodes"])
    node["address"] = std::regex_replace(node["address"].get<std::string>(), block, own);
  for (auto& backend : s["units"][0]["backends"])
    backend["address"] = std::regex_replace(backend["address"].get<std::string>(), block, own);
  std::ofstream(dir / "tiny.json") << s.dump(2) << "\n";
}

}  // namespace wsfo::test_support
