// Scaling of protocol timeouts and deadlines that tests set on the code under
// test, for slow builds. ThreadSanitizer runs instrumented code several times
// slower and, the first time a (even suppressed) report comes up in a
// process, stalls for a few hundred milliseconds while it symbolizes both
// stacks: a 400 ms AT command timeout that is ample elsewhere then expires.
// Only timeouts that bound how long a real reply may take are scaled, never
// what a test asserts (counts, order, values).
#pragma once

#include <cstdlib>

#if defined(__SANITIZE_THREAD__)
#define TGW_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TGW_TEST_UNDER_TSAN 1
#endif
#endif

namespace tgw::test {

// TGW_TEST_TIME_SCALE if set to a whole number >= 1; otherwise 5 in a
// ThreadSanitizer build and 1 in every other build.
inline int timeScale() {
  if (const char* env = std::getenv("TGW_TEST_TIME_SCALE"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != nullptr && *end == '\0' && v >= 1 && v <= 100) return static_cast<int>(v);
  }
#if defined(TGW_TEST_UNDER_TSAN)
  return 5;
#else
  return 1;
#endif
}

inline int scaledMs(int ms) {
  return ms * timeScale();
}

}  // namespace tgw::test
