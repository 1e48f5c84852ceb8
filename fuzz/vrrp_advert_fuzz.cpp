// core/vrrp: the advert datagram decoder (what gateway/vrrp_agent.cpp does
// with every UDP datagram it receives) and the instance state machine fed
// with what it decodes. Input: datagrams, each as [length][ms/10 to wait]
// [flags] then its bytes; the instance's config is read from the end. A
// decoded advert must encode back to itself, and the instance must stay sane
// whatever adverts, from whichever peer, arrive.
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <variant>
#include <vector>

#include "core/vrrp/advert_conversion.hpp"
#include "core/vrrp/advert_packet.hpp"
#include "core/vrrp/vrrp_instance.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace wsfo::vrrp;

namespace {

constexpr std::uint8_t kVrid = 51;
constexpr std::uint32_t kSelf = 0x7F000101;  // 127.0.1.1
constexpr std::uint32_t kPeers[] = {0x7F000102, 0x7F000100, 0x7F000101};
const PseudoHeader kPseudo{0x7F000102, 0xE0000012};

void check_actions(const Actions& actions, const VrrpInstance& instance, TimePoint now) {
  for (const Action& action : actions) {
    if (const auto* timer = std::get_if<SetTimer>(&action); timer && timer->at) WSFO_FUZZ_CHECK(*timer->at >= now);
    if (const auto* send = std::get_if<SendAdvert>(&action)) {
      WSFO_FUZZ_CHECK(send->priority >= 0 && send->priority <= kOwnerPriority);
      // What the agent would put on the wire must be encodable.
      const auto packet = to_packet(kVrid, *send, {0x7F000164});
      WSFO_FUZZ_CHECK(std::get<AdvertPacket>(decode(encode(packet))) == packet);
    }
    WSFO_FUZZ_CHECK(!describe(action).empty());
  }
  if (instance.deadline()) WSFO_FUZZ_CHECK(*instance.deadline() >= now);
  const int priority = instance.effective_priority();
  WSFO_FUZZ_CHECK(priority >= 0 && priority <= kOwnerPriority);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  InstanceConfig config;
  config.vrid = kVrid;
  config.address = kSelf;
  config.priority = in.ConsumeIntegralInRange<int>(1, 255);
  config.advert_interval = std::chrono::milliseconds(10 * in.ConsumeIntegralInRange<int>(1, 300));
  config.preempt = in.ConsumeBool();
  config.preempt_delay = std::chrono::milliseconds(10 * in.ConsumeIntegralInRange<int>(0, 100));
  config.variant = in.ConsumeBool() ? Variant::keepalived_v2 : Variant::rfc5798;
  if (!validate(config).empty()) return 0;
  VrrpInstance instance(config);
  TimePoint now = std::chrono::seconds(100);
  check_actions(instance.start(now), instance, now);

  while (in.remaining_bytes() > 0) {
    const std::vector<std::uint8_t> head = in.ConsumeBytes<std::uint8_t>(3);
    if (head.size() < 3) break;
    now += std::chrono::milliseconds(10 * head[1]);
    const std::uint8_t flags = head[2];
    const std::vector<std::uint8_t> bytes = in.ConsumeBytes<std::uint8_t>(head[0]);
    // Timers due before the datagram fire first.
    for (int guard = 0; instance.deadline() && *instance.deadline() <= now; ++guard) {
      WSFO_FUZZ_CHECK(guard < 1000);
      const TimePoint at = *instance.deadline();
      check_actions(instance.on_timer(at), instance, at);
    }
    if (flags & 0x80) check_actions(instance.on_track_result(now, (flags & 0x40) != 0), instance, now);
    const auto decoded = (flags & 1) ? decode(bytes, kPseudo) : decode(bytes);
    if (const auto* error = std::get_if<DecodeError>(&decoded)) {
      WSFO_FUZZ_CHECK(to_string(*error)[0] != '?');
      continue;
    }
    const auto& packet = std::get<AdvertPacket>(decoded);
    WSFO_FUZZ_CHECK(packet.vrid != 0 && packet.max_advert_interval_cs != 0);
    WSFO_FUZZ_CHECK(packet.max_advert_interval_cs <= kMaxAdvertIntervalCentiseconds);
    WSFO_FUZZ_CHECK(bytes.size() == kAdvertHeaderSize + 4 * packet.addresses.size());
    const std::optional<PseudoHeader> pseudo = (flags & 1) ? std::optional(kPseudo) : std::nullopt;
    WSFO_FUZZ_CHECK(std::get<AdvertPacket>(decode(encode(packet, pseudo), pseudo)) == packet);
    if (packet.vrid != kVrid) continue;  // the agent drops adverts of other instances
    const std::uint32_t source = kPeers[(flags >> 1) % 3];
    check_actions(instance.on_advert(now, to_advert(packet, source)), instance, now);
  }
  check_actions(instance.shutdown(now), instance, now);
  return 0;
}
