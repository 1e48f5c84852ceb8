#include <gtest/gtest.h>

#include "core/gateway/metrics.hpp"

namespace wsfo::gateway {
namespace {

TEST(Metrics, RendersPrometheusText) {
  Metrics m;
  m.handshake(Metrics::Outcome::proxied);
  m.handshake(Metrics::Outcome::proxied);
  m.handshake(Metrics::Outcome::redirected);
  m.handshake(Metrics::Outcome::rejected, "fenced");
  m.connection_opened("unbj");
  m.connection_opened("unbj");
  m.connection_opened("center");
  m.connection_closed("unbj", 4001);
  m.add_client_to_backend_bytes(10);
  m.add_backend_to_client_bytes(25);
  m.set_rules(2, 3);
  m.set_handshakes_in_progress(7);
  m.accept_failed("descriptors");
  m.accept_failed("descriptors");
  std::string text = m.render("gw\"1", "unbj");
  for (const char* line : {
           "# TYPE wsfo_gateway_connections gauge\n",
           "wsfo_gateway_info{node=\"gw\\\"1\",unit=\"unbj\"} 1\n",
           "wsfo_gateway_connections{unit=\"center\"} 1\n",
           "wsfo_gateway_connections{unit=\"unbj\"} 1\n",
           "wsfo_gateway_handshakes_total{outcome=\"proxied\"} 2\n",
           "wsfo_gateway_handshakes_total{outcome=\"redirected\"} 1\n",
           "wsfo_gateway_handshakes_total{outcome=\"rejected\",reason=\"fenced\"} 1\n",
           "wsfo_gateway_closes_total{code=\"4001\"} 1\n",
           "wsfo_gateway_bytes_total{direction=\"client_to_backend\"} 10\n",
           "wsfo_gateway_bytes_total{direction=\"backend_to_client\"} 25\n",
           "wsfo_gateway_rules_version 2\n",
           "wsfo_gateway_rules_pending_version 3\n",
           "wsfo_gateway_serving 1\n",
           "wsfo_gateway_handshakes_in_progress 7\n",
           "wsfo_gateway_accept_failures_total{reason=\"descriptors\"} 2\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  EXPECT_EQ(m.connections("unbj"), 1);
  EXPECT_EQ(m.handshakes(Metrics::Outcome::rejected, "fenced"), 1u);
  EXPECT_EQ(m.closes(4001), 1u);
  EXPECT_EQ(m.closes(1000), 0u);
  EXPECT_EQ(m.handshakes_in_progress(), 7u);
  EXPECT_EQ(m.accept_failures("descriptors"), 2u);
  EXPECT_EQ(m.accept_failures("other"), 0u);
  // Every sample line belongs to a family declared by # TYPE before it.
  std::string declared;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      declared = line.substr(7, line.find(' ', 7) - 7);
    } else if (line.rfind("#", 0) != 0) {
      EXPECT_EQ(line.rfind(declared, 0), 0u) << line;
    }
  }
}

}  // namespace
}  // namespace wsfo::gateway
