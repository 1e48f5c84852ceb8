#include <gtest/gtest.h>

#include "core/clients/redirect_follower.hpp"
#include "core/clients/ws_url.hpp"

namespace wsfo::clients {
namespace {

WsUrl url(const std::string& text) {
  std::string error;
  auto parsed = parse_ws_url(text, error);
  EXPECT_TRUE(parsed) << error;
  return parsed.value_or(WsUrl{});
}

TEST(WsUrlParse, SplitsSchemeHostPortAndTarget) {
  auto u = url("ws://websocket.msha.tech:8020/chat?routerId=1111");
  EXPECT_EQ(u.scheme, "ws");
  EXPECT_EQ(u.host, "websocket.msha.tech");
  EXPECT_EQ(u.port, 8020);
  EXPECT_EQ(u.target, "/chat?routerId=1111");
  EXPECT_EQ(u.text(), "ws://websocket.msha.tech:8020/chat?routerId=1111");
  EXPECT_EQ(u.host_header(), "websocket.msha.tech:8020");
}

TEST(WsUrlParse, DefaultsAndHttpSchemes) {
  EXPECT_EQ(url("ws://a.b").target, "/");
  EXPECT_EQ(url("ws://a.b").port, 80);
  EXPECT_EQ(url("http://a.b/x").scheme, "ws");
  EXPECT_EQ(url("HTTPS://a.b/x").scheme, "wss");
  EXPECT_EQ(url("wss://a.b/x").port, 443);
  EXPECT_EQ(url("ws://a.b?q=1").target, "/?q=1");
  EXPECT_EQ(url("ws://[::1]:9/p").host, "::1");
  EXPECT_EQ(url("ws://[::1]:9/p").text(), "ws://[::1]:9/p");
  EXPECT_EQ(url("ws://a.b/p#frag").target, "/p");
}

TEST(WsUrlParse, RejectsMalformedWithAReason) {
  std::string error;
  EXPECT_FALSE(parse_ws_url("websocket.msha.tech:8020", error));
  EXPECT_EQ(error, "URL 'websocket.msha.tech:8020' has no scheme (expected ws://host:port/path)");
  EXPECT_FALSE(parse_ws_url("ftp://a/", error));
  EXPECT_EQ(error, "URL 'ftp://a/': unsupported scheme 'ftp' (expected ws, wss, http or https)");
  EXPECT_FALSE(parse_ws_url("ws://a:70000/", error));
  EXPECT_EQ(error, "URL 'ws://a:70000/': port '70000' is out of range 1..65535");
  EXPECT_FALSE(parse_ws_url("ws://:80/", error));
  EXPECT_EQ(error, "URL 'ws://:80/': empty host");
  EXPECT_FALSE(parse_ws_url("ws://a b/", error));
  EXPECT_EQ(error, "URL 'ws://a b/': invalid character ' ' in host");
}

TEST(ResolveLocation, AbsoluteRelativeAndSchemeRelative) {
  auto base = url("ws://websocket.msha.tech:8020/chat?routerId=1");
  std::string error;
  auto abs = resolve_location(base, "http://unbj.websocket.msha.tech:8020/chat?routerId=1", error);
  ASSERT_TRUE(abs) << error;
  EXPECT_EQ(abs->text(), "ws://unbj.websocket.msha.tech:8020/chat?routerId=1");
  auto path = resolve_location(base, "/other", error);
  ASSERT_TRUE(path) << error;
  EXPECT_EQ(path->text(), "ws://websocket.msha.tech:8020/other");
  auto scheme_relative = resolve_location(base, "//center.websocket.msha.tech:9/x", error);
  ASSERT_TRUE(scheme_relative) << error;
  EXPECT_EQ(scheme_relative->text(), "ws://center.websocket.msha.tech:9/x");
  EXPECT_FALSE(resolve_location(base, "", error));
  EXPECT_EQ(error, "redirect without a Location header");
}

TEST(RedirectFollower, FollowsUpToTheHopLimit) {
  RedirectFollower follower(2);
  auto a = url("ws://a:1/p");
  follower.start();
  auto d1 = follower.on_redirect(a, "ws://b:1/p");
  ASSERT_EQ(d1.verdict, RedirectFollower::Decision::Verdict::follow);
  auto d2 = follower.on_redirect(d1.next, "ws://c:1/p");
  ASSERT_EQ(d2.verdict, RedirectFollower::Decision::Verdict::follow);
  EXPECT_EQ(follower.hops(), 2);
  auto d3 = follower.on_redirect(d2.next, "ws://d:1/p");
  EXPECT_EQ(d3.verdict, RedirectFollower::Decision::Verdict::too_many_hops);
  EXPECT_EQ(d3.reason, "too many redirects: more than 2 (last ws://c:1/p -> ws://d:1/p)");
}

TEST(RedirectFollower, DetectsALoopBeforeTheLimit) {
  RedirectFollower follower(10);
  auto a = url("ws://center:1/p"), b = url("ws://unbj:1/p");
  follower.start();
  ASSERT_EQ(follower.on_redirect(a, b.text()).verdict, RedirectFollower::Decision::Verdict::follow);
  auto back = follower.on_redirect(b, "http://center:1/p");
  EXPECT_EQ(back.verdict, RedirectFollower::Decision::Verdict::loop);
  EXPECT_EQ(back.reason, "redirect loop: ws://unbj:1/p -> ws://center:1/p was already visited in this chain");
}

TEST(RedirectFollower, StartBeginsAFreshChain) {
  RedirectFollower follower(1);
  auto a = url("ws://a:1/"), b = url("ws://b:1/");
  follower.start();
  ASSERT_EQ(follower.on_redirect(a, b.text()).verdict, RedirectFollower::Decision::Verdict::follow);
  follower.start();
  EXPECT_EQ(follower.hops(), 0);
  EXPECT_EQ(follower.on_redirect(a, b.text()).verdict, RedirectFollower::Decision::Verdict::follow);
}

TEST(RedirectFollower, BadLocationIsNamed) {
  RedirectFollower follower(3);
  auto a = url("ws://a:1/");
  follower.start();
  auto d = follower.on_redirect(a, "gopher://x/");
  EXPECT_EQ(d.verdict, RedirectFollower::Decision::Verdict::bad_location);
  EXPECT_EQ(d.reason,
            "bad Location: URL 'gopher://x/': unsupported scheme 'gopher' (expected ws, wss, http or https) (from "
            "ws://a:1/)");
}

}  // namespace
}  // namespace wsfo::clients
