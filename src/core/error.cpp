#include "tgw/core/error.hpp"

#include <cerrno>
#include <cstring>

namespace tgw {

std::string_view errcName(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kNotFound: return "not found";
    case Errc::kPermission: return "permission denied";
    case Errc::kIo: return "i/o error";
    case Errc::kParse: return "parse error";
    case Errc::kConfig: return "configuration error";
    case Errc::kBusy: return "busy";
    case Errc::kFull: return "full";
    case Errc::kCorrupt: return "corrupt";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kTimeout: return "timeout";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kInternal: return "internal error";
  }
  return "unknown";
}

Error errnoError(int errnum, std::string_view context) {
  Errc code = Errc::kIo;
  switch (errnum) {
    case ENOENT: case ENODEV: case ENXIO: code = Errc::kNotFound; break;
    case EACCES: case EPERM: case EROFS: code = Errc::kPermission; break;
    case ENOSPC: case EDQUOT: code = Errc::kFull; break;
    case EBUSY: case EAGAIN: code = Errc::kBusy; break;
    case ETIMEDOUT: code = Errc::kTimeout; break;
    case EINVAL: code = Errc::kInvalidArgument; break;
    default: break;
  }
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(errnum);
  return Error{code, std::move(msg)};
}

}  // namespace tgw
