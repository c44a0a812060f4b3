// PahoUplink over TLS against mosquitto with certificates made by the test.
#include <gtest/gtest.h>

#include "support/mosquitto.hpp"
#include "uplink/paho/tls_probe.hpp"
#include "uplink_rig.hpp"

namespace tgw::test {
namespace {

config::UplinkConfig tlsConfig(const Mosquitto& broker, const std::string& id, const std::string& host = "127.0.0.1") {
  auto cfg = testConfig("mqtts://" + host + ":" + std::to_string(broker.port()), id);
  cfg.tls.ca_file = certs().ca;
  return cfg;
}

BrokerOptions tlsBroker(bool require_client_cert = false, bool wrong_name = false) {
  BrokerOptions o;
  o.listener_lines = wrong_name ? tlsListener(certs().wrong_name_cert, certs().wrong_name_key, require_client_cert)
                                : tlsListener(certs().server_cert, certs().server_key, require_client_cert);
  return o;
}

void expectConnectsAndPublishes(UplinkRig& rig) {
  rig.start();
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error;
  ASSERT_TRUE(rig.send(1, "tls/x", "y", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  rig.stop();
}

// Never connects; the error (after a few attempts) contains `text`.
void expectRefused(UplinkRig& rig, const std::string& text) {
  rig.start();
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find(text) != std::string::npos; }))
      << "last error: " << rig.uplink->stats().last_error;
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find("retrying") != std::string::npos; }));
  EXPECT_EQ(rig.listener.connected(), 0);
  EXPECT_EQ(rig.uplink->freeWindow(), 0U);
  rig.stop();
}

TEST(UplinkTls, ServerVerifiedByCaFile) {
  Mosquitto broker(tlsBroker());
  UplinkRig rig(tlsConfig(broker, "gw-tls"));
  expectConnectsAndPublishes(rig);
}

TEST(UplinkTls, HostNameLocalhostVerified) {
  Mosquitto broker(tlsBroker());
  UplinkRig rig(tlsConfig(broker, "gw-tls-name", "localhost"));
  expectConnectsAndPublishes(rig);
}

TEST(UplinkTls, CaDirectoryWorks) {
  Mosquitto broker(tlsBroker());
  TempDir cadir;
  std::string hash;
  ASSERT_EQ(run({"openssl", "x509", "-hash", "-noout", "-in", certs().ca}, &hash), 0);
  hash.erase(hash.find_last_not_of("\n") + 1);
  cadir.write(hash + ".0", readFile(certs().ca));
  auto cfg = tlsConfig(broker, "gw-tls-dir");
  cfg.tls.ca_file.clear();
  cfg.tls.ca_dir = cadir.path().string();
  UplinkRig rig(cfg);
  expectConnectsAndPublishes(rig);
}

TEST(UplinkTls, WrongCaIsRefusedWithClearError) {
  Mosquitto broker(tlsBroker());
  auto cfg = tlsConfig(broker, "gw-wrong-ca");
  cfg.tls.ca_file = certs().other_ca;
  UplinkRig rig(cfg);
  expectRefused(rig, "server certificate of 127.0.0.1:" + std::to_string(broker.port()) + " rejected");
}

TEST(UplinkTls, HostNameMismatchIsRefused) {
  Mosquitto broker(tlsBroker(false, true));
  UplinkRig rig(tlsConfig(broker, "gw-wrong-name"));
  expectRefused(rig, "IP address mismatch");
}

TEST(UplinkTls, MutualTlsRequiredAndGiven) {
  Mosquitto broker(tlsBroker(true));
  auto cfg = tlsConfig(broker, "gw-mtls");
  cfg.tls.cert_file = certs().client_cert;
  cfg.tls.key_file = certs().client_key;
  UplinkRig rig(cfg);
  expectConnectsAndPublishes(rig);
}

TEST(UplinkTls, MutualTlsRequiredAndMissingIsRefused) {
  Mosquitto broker(tlsBroker(true));
  UplinkRig rig(tlsConfig(broker, "gw-mtls-missing"));
  expectRefused(rig, "certificate required");
}

TEST(UplinkTls, PinMatchConnects) {
  Mosquitto broker(tlsBroker());
  auto cfg = tlsConfig(broker, "gw-pin");
  auto pin = uplink::spkiPinOfPemFile(certs().server_cert);
  ASSERT_TRUE(pin.has_value());
  cfg.tls.pins = {"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", *pin};
  UplinkRig rig(cfg);
  expectConnectsAndPublishes(rig);
}

TEST(UplinkTls, PinOfTheCaMatchesToo) {
  Mosquitto broker(tlsBroker());
  auto cfg = tlsConfig(broker, "gw-pin-ca");
  cfg.tls.pins = {*uplink::spkiPinOfPemFile(certs().ca)};
  UplinkRig rig(cfg);
  expectConnectsAndPublishes(rig);
}

TEST(UplinkTls, PinMismatchIsRefused) {
  Mosquitto broker(tlsBroker());
  auto cfg = tlsConfig(broker, "gw-pin-bad");
  cfg.tls.pins = {*uplink::spkiPinOfPemFile(certs().client_cert)};
  UplinkRig rig(cfg);
  expectRefused(rig, "matches none of the 1 configured pin(s); server key is " +
                         *uplink::spkiPinOfPemFile(certs().server_cert));
}

TEST(UplinkTls, MissingCaFileIsAClearError) {
  Mosquitto broker(tlsBroker());
  auto cfg = tlsConfig(broker, "gw-no-ca");
  cfg.tls.ca_file = "/nonexistent/ca.pem";
  UplinkRig rig(cfg);
  expectRefused(rig, "TLS: cannot read ca_file /nonexistent/ca.pem: No such file or directory");
}

TEST(UplinkTls, UnreadableClientKeyIsAClearError) {
  Mosquitto broker(tlsBroker(true));
  TempDir dir;
  auto cfg = tlsConfig(broker, "gw-key-unreadable");
  cfg.tls.cert_file = certs().client_cert;
  cfg.tls.key_file = dir.write("client.key", "not a key");
  UplinkRig rig(cfg);
  expectRefused(rig, "cannot load client key");
}

}  // namespace
}  // namespace tgw::test

namespace tgw::test {
namespace {

// TLS 1.2 is the minimum: a server that speaks only TLS 1.1 (OpenSSL's own
// s_server, with the old protocol re-enabled for the test) is refused.
TEST(UplinkTls, ServerOfferingOnlyTls11IsRefused) {
  const int port = freePort();
  Process server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                  certs().server_cert, "-key", certs().server_key, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                  "-quiet"});
  ASSERT_TRUE(waitFor([&] { return portOpen(port) || !server.running(); })) << server.output();
  ASSERT_TRUE(server.running()) << server.output();
  auto cfg = testConfig("mqtts://127.0.0.1:" + std::to_string(port), "gw-tls11");
  cfg.tls.ca_file = certs().ca;
  UplinkRig rig(cfg);
  rig.start();
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find("retrying") != std::string::npos; }))
      << "last error: " << rig.uplink->stats().last_error;
  EXPECT_EQ(rig.listener.connected(), 0);
  EXPECT_NE(rig.uplink->stats().last_error.find("TLS"), std::string::npos) << rig.uplink->stats().last_error;
  rig.stop();
}

}  // namespace
}  // namespace tgw::test
