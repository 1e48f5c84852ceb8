#include "gateway/vrrp_agent_standalone.hpp"

#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <filesystem>

#include "core/vrrp/vrrp_events.hpp"
#include "gateway/vip_listener.hpp"
#include "gateway/vrrp_agent.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// when it inlines a coroutine into its caller (asio's frame operator new and
// delete do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Greets with "<node>\n" (so a client can tell who holds the VIP), then
// echoes every byte until the peer closes or the VIP is released (reset).
net::awaitable<void> echo_connection(std::shared_ptr<tcp::socket> socket, std::string greeting) {
  boost::system::error_code ec;
  co_await net::async_write(*socket, net::buffer(greeting), net::redirect_error(net::use_awaitable, ec));
  std::array<char, 4096> data{};
  while (!ec) {
    const std::size_t size =
        co_await socket->async_read_some(net::buffer(data), net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    co_await net::async_write(*socket, net::buffer(data.data(), size), net::redirect_error(net::use_awaitable, ec));
  }
  // Closed by the peer: close our side so a later release has nothing to reset.
  if (ec != net::error::operation_aborted && socket->is_open()) socket->close(ec);
}

std::set<std::string> all_peers(const vrrp::AgentConfig& config) {
  std::set<std::string> peers;
  for (const auto& instance : config.instances) peers.insert(instance.peers.begin(), instance.peers.end());
  return peers;
}

class StandaloneAgent {
 public:
  StandaloneAgent(const StandaloneAgentOptions& options, std::ostream& out)
      : options_(options),
        out_(out),
        agent_(io_, options.config, callbacks()),
        signals_(io_, SIGTERM, SIGINT),
        partition_signals_(io_, SIGUSR1, SIGUSR2) {}

  std::optional<std::string> start() {
    auto error = agent_.start();
    if (error) return error;
    print_agent_event("started", {{"address", options_.config.address}, {"advert_port", options_.config.advert_port}});
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      agent_.shutdown();
      listeners_.clear();
      history::Json dropped(agent_.dropped());
      print_agent_event("stopped", {{"dropped", dropped},
                                    {"adverts_sent", agent_.adverts_sent()},
                                    {"adverts_received", agent_.adverts_received()}});
      io_.stop();
    });
    wait_for_partition_signal();
    return std::nullopt;
  }

  void run() { io_.run(); }

 private:
  VrrpAgentCallbacks callbacks() {
    VrrpAgentCallbacks callbacks;
    callbacks.take_vip = [this](const std::string&, const std::string& address, std::uint16_t port) {
      return take_vip(address, port);
    };
    callbacks.release_vip = [this](const std::string&, const std::string& address, std::uint16_t port) {
      listeners_.erase(key(address, port));  // the destructor closes and resets
    };
    callbacks.event = [this](const history::Event& event) { print(event); };
    if (!options_.unhealthy_file.empty())
      callbacks.healthy = [path = options_.unhealthy_file] { return !std::filesystem::exists(path); };
    return callbacks;
  }

  std::optional<std::string> take_vip(const std::string& address, std::uint16_t port) {
    boost::system::error_code ec;
    const auto ip = net::ip::make_address_v4(address, ec);
    if (ec) return "invalid address " + address;
    auto listener = std::make_unique<VipListener>(io_, tcp::endpoint(ip, port), [this](auto socket) {
      net::co_spawn(io_, echo_connection(std::move(socket), options_.config.node + "\n"), net::detached);
    });
    if (auto error = listener->open()) return error;
    listeners_[key(address, port)] = std::move(listener);
    return std::nullopt;
  }

  void wait_for_partition_signal() {
    partition_signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      const bool partition = signal == SIGUSR1;
      const auto peers = partition ? all_peers(options_.config) : std::set<std::string>{};
      agent_.set_blocked_peers(peers);
      print_agent_event(partition ? "partitioned" : "healed", {{"blocked_peers", peers}});
      wait_for_partition_signal();
    });
  }

  static std::string key(const std::string& address, std::uint16_t port) {
    return address + ":" + std::to_string(port);
  }

  void print_agent_event(const std::string& state, history::Json extra) {
    print(vrrp::agent_event(options_.config.node, state, std::move(extra), monotonic_now()));
  }

  void print(const history::Event& event) { out_ << history::to_json_line(event) << std::endl; }

  const StandaloneAgentOptions& options_;
  std::ostream& out_;
  net::io_context io_;
  std::map<std::string, std::unique_ptr<VipListener>> listeners_;
  VrrpAgent agent_;
  net::signal_set signals_;
  net::signal_set partition_signals_;
};

}  // namespace

int run_standalone_agent(const StandaloneAgentOptions& options, std::ostream& out, std::ostream& err) {
  StandaloneAgent agent(options, out);
  if (auto error = agent.start()) {
    err << "wsfo vrrp-agent: " << *error << "\n";
    return 2;  // could not start (README.md, "Exit codes")
  }
  agent.run();
  return 0;
}

}  // namespace wsfo::gateway

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
