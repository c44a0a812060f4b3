#pragma once

#include <memory>

#include "tgw/core/event_loop.hpp"

namespace tgw::core {

// The sd-event based loop. Creating it blocks SIGTERM, SIGINT and SIGHUP for
// the calling thread (and so for every thread started afterwards), so these
// signals are only ever seen by the loop through signalfd.
Expected<std::unique_ptr<EventLoop>> makeSdEventLoop();

// Block the daemon's handled signals in the calling thread; call first thing
// in main(), before any thread is started.
void blockHandledSignals();

}  // namespace tgw::core
