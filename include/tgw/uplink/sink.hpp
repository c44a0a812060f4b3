// Where profiles hand their messages: the durable queue, or in the
// foundation / debug mode a stdout sink. Loop thread only.
#pragma once

#include "tgw/model/message.hpp"

namespace tgw {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void submit(Message message) = 0;
};

}  // namespace tgw
