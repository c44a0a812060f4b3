// Errors as values: every likely failure is an Expected<T> carrying an Error
// that says what failed, where, and what to do about it.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace tgw {

enum class Errc {
  kInvalidArgument,  // bad input from a caller or a config value
  kNotFound,         // file, device or key missing
  kPermission,       // EACCES / EPERM
  kIo,               // read/write failure
  kParse,            // malformed data
  kConfig,           // configuration invalid
  kBusy,             // resource busy, try again
  kFull,             // queue / disk full
  kCorrupt,          // file or data corrupt
  kUnavailable,      // peer not reachable / not connected
  kTimeout,
  kUnsupported,
  kInternal,
};

std::string_view errcName(Errc code) noexcept;

struct Error {
  Errc code = Errc::kInternal;
  std::string message;

  // "<message>" -- the message already carries the context.
  [[nodiscard]] const std::string& what() const noexcept { return message; }
};

template <class T>
using Expected = tl::expected<T, Error>;

inline tl::unexpected<Error> makeError(Errc code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// Error from an errno value: "<context>: <strerror(errnum)>", code mapped
// from errno (ENOENT -> kNotFound, EACCES -> kPermission, ENOSPC -> kFull ...).
Error errnoError(int errnum, std::string_view context);

}  // namespace tgw
