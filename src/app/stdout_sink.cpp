#include "app/stdout_sink.hpp"

#include <nlohmann/json.hpp>

namespace tgw::app {

void StdoutSink::submit(Message message) {
  nlohmann::json line;
  line["class"] = std::string(className(message.cls));
  line["topic"] = message.topic;
  line["qos"] = message.qos;
  line["retain"] = message.retain;
  // Payloads are JSON; show them as JSON, or as a string if they are not.
  auto payload = nlohmann::json::parse(message.payload, nullptr, false);
  line["payload"] = payload.is_discarded() ? nlohmann::json(message.payload) : payload;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
  ++count_;
}

}  // namespace tgw::app
