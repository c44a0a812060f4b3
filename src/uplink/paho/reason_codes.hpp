// Plain words for MQTT CONNACK return codes (3.1.1) and reason codes (5),
// and for the failures Paho reports when a connect does not complete.
#pragma once

#include <string>

namespace tgw::uplink {

// "bad user name or password" for 3.1.1 code 4 or v5 reason 0x86 ...
// Empty if the code is unknown.
std::string connackText(int code, bool v5);

struct ConnectFailure {
  int paho_rc = 0;        // Paho return code (MQTTASYNC_*), or a 3.1.1 CONNACK code 1..5
  int reason_code = 0;    // MQTT 5 reason code (0 if none)
  std::string paho_message;  // what Paho said, may be empty
  bool v5 = false;
};

// One line in plain words, e.g. "broker refused: bad user name or password
// (reason 0x86)" or "could not open a TCP/TLS connection (Paho rc -1)".
std::string describeConnectFailure(const ConnectFailure& f);

// True if the failure is a refusal by the broker (it answered CONNECT).
bool isBrokerRefusal(const ConnectFailure& f);

}  // namespace tgw::uplink
