// Reloading the routes from the config file (SIGHUP, POST /reload), like an
// nginx reload that adds or removes upstream servers (seed 002): a new
// BackendPool serves the handshakes that follow, while relayed connections
// never look at the pool, so every one of them stays open, including those
// to a removed backend, until it closes by itself.
//
// Only `routes` is reloaded. Any other difference between the file and the
// running config is reported (reply and log) as ignored, never applied
// half-way and never silently dropped. A file that does not validate changes
// nothing.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

namespace {

using json::Json;

struct LoadedFile {
  std::optional<Json> document;  // after the command-line overrides
  std::optional<GatewayConfig> config;
  json::Problems problems;
};

LoadedFile load(const std::string& path, const ConfigOverrides& overrides) {
  LoadedFile loaded;
  std::ifstream in(path);
  if (!in) {
    loaded.problems.add("", "cannot read file '" + path + "'");
    return loaded;
  }
  std::stringstream text;
  text << in.rdbuf();
  loaded.document = json::parse(text.str(), loaded.problems);
  if (!loaded.document) return loaded;
  apply_overrides(*loaded.document, overrides);
  loaded.config = read_gateway_config(*loaded.document, loaded.problems);
  return loaded;
}

std::string pointer_token(const std::string& key) {
  std::string token;
  for (char c : key) token += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return token;
}

// JSON pointers at which `a` and `b` differ, descending `depth` object levels.
void differences(const Json& a, const Json& b, const std::string& pointer, int depth, std::vector<std::string>& out) {
  if (a == b) return;
  if (depth == 0 || !a.is_object() || !b.is_object()) {
    out.push_back(pointer.empty() ? "/" : pointer);
    return;
  }
  std::set<std::string> keys;
  for (const auto& item : a.items()) keys.insert(item.key());
  for (const auto& item : b.items()) keys.insert(item.key());
  for (const std::string& key : keys) {
    std::string at = pointer + "/" + pointer_token(key);
    if (!a.contains(key) || !b.contains(key))
      out.push_back(at);
    else
      differences(a[key], b[key], at, depth - 1, out);
  }
}

Json without_routes(Json document) {
  document.erase("routes");
  return document;
}

std::vector<Endpoint> missing_from(const std::vector<Endpoint>& these, const std::vector<Endpoint>& others) {
  std::vector<Endpoint> missing;
  for (const Endpoint& e : these)
    if (std::find(others.begin(), others.end(), e) == others.end()) missing.push_back(e);
  return missing;
}

Json endpoints_json(const std::vector<Endpoint>& endpoints) {
  Json list = Json::array();
  for (const Endpoint& e : endpoints) list.push_back(e.text());
  return list;
}

Json routes_json(const std::vector<RouteConfig>& routes) {
  Json list = Json::array();
  for (const RouteConfig& r : routes)
    list.push_back({{"prefix", r.prefix},
                    {"backends", endpoints_json(r.backends)},
                    {"balance", std::string(to_string(r.balance))}});
  return list;
}

AdminReply json_reply(int status, const Json& body) {
  return AdminReply{status, "application/json", body.dump(2) + "\n", {}};
}

}  // namespace

std::string GatewayNode::watch_config_file(std::string path, ConfigOverrides overrides) {
  LoadedFile loaded = load(path, overrides);
  if (!loaded.document) {
    std::string message = "cannot keep the config file for reloads:";
    for (const auto& p : loaded.problems.list()) message += "\n  " + path + ": " + json::format(p);
    return message;
  }
  config_file = ConfigFile{std::move(path), std::move(overrides), std::move(*loaded.document)};
  return {};
}

AdminReply GatewayNode::reload_config() {
  if (!config_file) {
    log_line(*this) << "reload refused: started without a config file\n";
    return json_reply(409, Json{{"error", "this gateway was started without a config file to reload"}});
  }
  const std::string& path = config_file->path;
  LoadedFile loaded = load(path, config_file->overrides);
  if (!loaded.config) {
    Json problems = Json::array();
    log_line(*this) << "reload of " << path << " failed, the running config is kept:\n";
    for (const auto& p : loaded.problems.list()) {
      problems.push_back(json::format(p));
      log << "  " << path << ": " << json::format(p) << "\n";
    }
    return json_reply(422, Json{{"error", "config file '" + path + "' is invalid; the running config is kept"},
                                {"problems", problems}});
  }

  std::vector<std::string> ignored;
  differences(without_routes(config_file->running), without_routes(*loaded.document), "", 2, ignored);

  auto pool = std::make_shared<BackendPool>(loaded.config->routes, config.limits.fail_timeout);
  pool->inherit_marks(*backends);
  std::vector<Endpoint> before = backends->all_backends(), after = pool->all_backends();
  std::vector<Endpoint> added = missing_from(after, before), removed = missing_from(before, after);
  backends = std::move(pool);
  config.routes = loaded.config->routes;
  if (loaded.document->contains("routes"))
    config_file->running["routes"] = (*loaded.document)["routes"];
  else
    config_file->running.erase("routes");

  log_line(*this) << "reloaded routes from " << path << ": " << config.routes.size() << " route(s), " << after.size()
                  << " backend(s), added " << endpoints_json(added).dump() << ", removed "
                  << endpoints_json(removed).dump() << "; " << registry.size() << " relayed connection(s) stay open\n";
  Json warnings = Json::array();
  for (const std::string& pointer : ignored) {
    std::string warning = pointer +
                          " differs from the running config and was ignored: a reload applies routes only; "
                          "restart the gateway to apply it";
    log_line(*this) << "warning: " << path << ": " << warning << "\n";
    warnings.push_back({{"pointer", pointer}, {"warning", warning}});
  }
  return json_reply(200, Json{{"reloaded", true},
                              {"file", path},
                              {"routes", routes_json(config.routes)},
                              {"added_backends", endpoints_json(added)},
                              {"removed_backends", endpoints_json(removed)},
                              {"connections_kept", registry.size()},
                              {"ignored", warnings}});
}

}  // namespace wsfo::gateway
