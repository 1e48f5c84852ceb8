// An admin request to a peer that accepts and never answers ends at its
// timeout: a cutover or a run's stop must not hang on a stuck gateway.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "gateway/admin_client.hpp"

namespace admin_client_timeout {

TEST(AdminClientTimeout, APeerThatNeverAnswersCostsTheTimeoutNotAHang) {
  int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(silent, 4), 0);  // the kernel completes the connect; nobody reads
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  auto start = std::chrono::steady_clock::now();
  auto reply = wsfo::gateway::http_request(endpoint, "GET", "/health", "", "", std::chrono::milliseconds(300));
  auto took = std::chrono::steady_clock::now() - start;
  ::close(silent);

  EXPECT_EQ(reply.status, 0);
  EXPECT_FALSE(reply.error.empty());
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
}

}  // namespace admin_client_timeout
