#pragma once
// A small wss:// peer for the `wsfo clients` TLS tests (the backend and the
// gateway's TLS are other parts' business): a throw-away CA from the shared
// TLS library, a server certificate it issues for chosen names, and a TLS
// server on one loopback address that either plays the scripted backend
// (welcome text, echo) or answers every upgrade with a 302. It records what a
// test asserts on the server's side: the SNI each handshake carried, the
// handshakes that failed, the messages it got, and whether the client ended
// the TLS session with a close_notify.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/component/clients_test_support.hpp"
#include "tls/certificates.hpp"
#include "tls/contexts.hpp"

namespace wsfo::clients_test {

namespace ssl = boost::asio::ssl;
namespace http = beast::http;

// A CA written to `dir` as ca.pem, issuing server certificates as
// <file>.pem / <file>.key there.
class TestAuthority {
 public:
  explicit TestAuthority(std::filesystem::path dir, const std::string& name = "wsfo test CA") : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    std::string error;
    auto ca = tls::CertificateAuthority::create(name, error);
    if (!ca) throw std::runtime_error("test CA: " + error);
    ca_.emplace(std::move(*ca));
    write(ca_file(), ca_->certificate_pem(), false);
  }
  std::string ca_file() const { return (dir_ / "ca.pem").string(); }

  // A server context whose certificate carries `names` (DNS names or IP addresses).
  std::shared_ptr<tls::Context> server_context(const std::string& file, const std::vector<std::string>& names) const {
    std::string error;
    auto pair = ca_->issue_server(names, error);
    if (!pair) throw std::runtime_error("test CA: " + error);
    tls::ServerOptions options;
    options.certificate_file = (dir_ / (file + ".pem")).string();
    options.key_file = (dir_ / (file + ".key")).string();
    write(options.certificate_file, pair->certificate, false);
    write(options.key_file, pair->key, true);
    auto context = tls::server_context(options, error);
    if (!context) throw std::runtime_error("test server context: " + error);
    return context;
  }

 private:
  static void write(const std::string& path, const std::string& text, bool secret) {
    if (auto error = tls::write_pem(path, text, secret); !error.empty()) throw std::runtime_error(error);
  }

  std::filesystem::path dir_;
  std::optional<tls::CertificateAuthority> ca_;
};

class TlsServer {
 public:
  using Stream = ssl::stream<tcp::socket>;
  // What the server does once a TLS handshake succeeded.
  using Serve = std::function<void(TlsServer&, Stream&)>;

  TlsServer(const std::string& ip, std::shared_ptr<tls::Context> context, Serve serve)
      : ip_(ip), context_(std::move(context)), serve_(std::move(serve)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 64) != 0)
      throw std::runtime_error("tls test server: cannot listen on " + ip);
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  // Ends every connection still open (a blocked read returns) and joins.
  ~TlsServer() {
    stopping_ = true;
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : connections_) t.join();
    ::close(listen_fd_);
  }
  std::string address() const { return ip_ + ":" + std::to_string(port); }

  // What the server saw; read after the client process exited.
  std::vector<std::string> server_names() const { return locked(server_names_); }
  std::vector<std::string> handshake_failures() const { return locked(handshake_failures_); }
  std::vector<std::string> messages() const { return locked(messages_); }
  int close_notifies() const { return close_notifies_; }
  int handshakes() const { return handshakes_; }

  void record_message(std::string text) {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(text));
  }
  // After the WebSocket close handshake and Beast's TLS teardown: did the client say close_notify?
  void record_tls_end(Stream& stream) {
    if (SSL_get_shutdown(stream.native_handle()) & SSL_RECEIVED_SHUTDOWN) ++close_notifies_;
  }

  std::uint16_t port = 0;

 private:
  template <class T>
  T locked(const T& value) const {
    std::lock_guard lock(mutex_);
    return value;
  }

  void accept_loop() {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mutex_);
        open_fds_.insert(fd);
      }
      connections_.emplace_back([this, fd] {
        serve_connection(fd);
        std::lock_guard lock(mutex_);
        open_fds_.erase(fd);
        ::close(fd);
      });
    }
  }

  void serve_connection(int fd) {
    net::io_context io;
    tcp::socket socket(io);
    socket.assign(tcp::v4(), ::dup(fd));
    Stream stream(std::move(socket), *context_);
    beast::error_code ec;
    stream.handshake(Stream::server, ec);
    const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    {
      std::lock_guard lock(mutex_);
      server_names_.push_back(name ? name : "");
      if (ec) handshake_failures_.push_back(tls::describe_failure(ec, stream.native_handle()));
    }
    if (ec) return;
    ++handshakes_;
    serve_(*this, stream);
  }

  std::string ip_;
  std::shared_ptr<tls::Context> context_;
  Serve serve_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> close_notifies_{0}, handshakes_{0};
  std::thread acceptor_;
  std::vector<std::thread> connections_;
  mutable std::mutex mutex_;
  std::set<int> open_fds_;
  std::vector<std::string> server_names_, handshake_failures_, messages_;
};

// The scripted backend over TLS: "Welcome to the server!<label>" on open, the
// echo "<message>:<label>" of each message, and a close answered.
inline TlsServer::Serve tls_backend(std::string label) {
  return [label](TlsServer& server, TlsServer::Stream& stream) {
    websocket::stream<TlsServer::Stream&> ws(stream);
    beast::error_code ec;
    ws.accept(ec);
    if (ec) return;
    ws.text(true);
    ws.write(net::buffer("Welcome to the server!" + label), ec);
    while (!ec) {
      beast::flat_buffer buffer;
      ws.read(buffer, ec);
      if (ec) break;
      auto text = beast::buffers_to_string(buffer.data());
      server.record_message(text);
      ws.write(net::buffer(text + ":" + label), ec);
    }
    if (ec == websocket::error::closed) server.record_tls_end(stream);
  };
}

// Opens the WebSocket and echoes the client's close frame, then neither
// sends close_notify nor closes the connection until the server stops: a
// peer that would hold a client waiting for the end of its TLS session.
inline TlsServer::Serve tls_silent_after_close(const std::atomic<bool>& stopping) {
  return [&stopping](TlsServer&, TlsServer::Stream& stream) {
    websocket::stream<TlsServer::Stream&> ws(stream);
    beast::error_code ec;
    ws.accept(ec);
    if (ec) return;
    // Raw reads from here: Beast would answer the close and end TLS itself.
    std::array<unsigned char, 512> bytes{};
    std::string seen;
    while (!ec && seen.find('\x88') == std::string::npos) {
      auto n = stream.read_some(net::buffer(bytes), ec);
      seen.append(reinterpret_cast<const char*>(bytes.data()), n);
    }
    if (ec) return;
    const unsigned char close_1000[] = {0x88, 0x02, 0x03, 0xe8};
    net::write(stream, net::buffer(close_1000), ec);
    hold_until_stopped(stopping);
  };
}

// Answers the upgrade request with a 302 to `location`.
inline TlsServer::Serve tls_redirect(std::string location) {
  return [location](TlsServer&, TlsServer::Stream& stream) {
    beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    beast::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    http::response<http::empty_body> response{http::status::found, 11};
    response.set(http::field::location, location);
    response.content_length(0);
    http::write(stream, response, ec);
    stream.shutdown(ec);
  };
}

}  // namespace wsfo::clients_test
