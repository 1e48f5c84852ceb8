// `wsfo clients --router-ids-file`: routerId lists too long for one
// command-line argument (128 KiB on Linux) travel in a file.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "tests/component/clients_test_support.hpp"

namespace wsfo::clients_test {
namespace {

std::filesystem::path write_ids_file(const std::string& text) {
  auto path = temp_file("router-ids");
  std::ofstream(path) << text;
  return path;
}

std::set<std::uint64_t> attempted(const std::vector<Event>& events) {
  std::set<std::uint64_t> ids;
  for (const auto& e : events)
    if (e.kind == "attempt" && e.router_id) ids.insert(*e.router_id);
  return ids;
}

TEST(ClientsRouterIdsFile, EachIdOfTheFileIsAClient) {
  auto file = write_ids_file("101\n 102, 103 \r\n\n9223372036854775807\n");
  auto port = std::to_string(refused_port());
  auto run = run_clients({"--url", "ws://127.0.0.1:" + port + "/", "--router-ids-file", file.string(), "--reconnect",
                          "fixed:10s", "--duration", "500ms"});
  std::filesystem::remove(file);
  EXPECT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  EXPECT_EQ(attempted(run.events), (std::set<std::uint64_t>{101, 102, 103, 9223372036854775807ULL}));
}

TEST(ClientsRouterIdsFile, AListLargerThanOneArgumentMayHold) {
  // 8000 random 63-bit routerIds, about 160 KB: what one client process of a
  // 20,000-client group gets. --count 3 keeps the run small; the whole file
  // is still read and checked.
  std::mt19937_64 random(7);
  std::string text;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 8000; ++i) {
    ids.push_back(random() >> 1);
    text += std::to_string(ids.back()) + (i % 2 ? "\n" : ",");
  }
  ASSERT_GT(text.size(), 128u * 1024);
  auto file = write_ids_file(text);
  auto port = std::to_string(refused_port());
  auto run = run_clients({"--url", "ws://127.0.0.1:" + port + "/", "--router-ids-file", file.string(), "--count", "3",
                          "--reconnect", "fixed:10s", "--duration", "500ms"});
  std::filesystem::remove(file);
  EXPECT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  EXPECT_EQ(attempted(run.events), (std::set<std::uint64_t>{ids[0], ids[1], ids[2]}));
}

struct Refusal {
  int code;
  std::string stderr_text;
};

Refusal refusal_of(const std::string& path) {
  ChildProcess process({WSFO_BINARY, "clients", "--url", "ws://a/", "--router-ids-file", path});
  auto status = process.wait_for_exit(5s);
  EXPECT_TRUE(status);
  return {status && status->exited ? status->code : -1, process.read_stderr(1s)};
}

TEST(ClientsRouterIdsFile, AMalformedFileIsRefusedNamingTheFileAndLine) {
  auto file = write_ids_file("1\n2,3\n4,5x\n");
  auto refusal = refusal_of(file.string());
  std::filesystem::remove(file);
  EXPECT_EQ(refusal.code, 2);
  EXPECT_EQ(refusal.stderr_text, "wsfo clients: --router-ids-file: " + file.string() +
                                     " line 3, item 2 ('5x'): routerId contains 'x' at position 1; expected decimal "
                                     "digits only\n");
}

TEST(ClientsRouterIdsFile, AnEmptyOrMissingFileIsRefused) {
  auto empty = write_ids_file("\n \n");
  auto refusal = refusal_of(empty.string());
  std::filesystem::remove(empty);
  EXPECT_EQ(refusal.code, 2);
  EXPECT_NE(refusal.stderr_text.find(empty.string() + " holds no routerIds"), std::string::npos) << refusal.stderr_text;
  refusal = refusal_of("/nonexistent/ids.txt");
  EXPECT_EQ(refusal.code, 3);
  EXPECT_EQ(refusal.stderr_text,
            "wsfo clients: --router-ids-file: cannot read '/nonexistent/ids.txt': No such file or directory\n");
}

}  // namespace
}  // namespace wsfo::clients_test
