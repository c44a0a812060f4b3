// Reading one command message off the wire: size, UTF-8 and JSON checks,
// the request id, the action name, the parameters and the timestamps.
// Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tgw/core/error.hpp"

namespace tgw::command {

// Why a message could not be read far enough to answer it. These are
// logged at warning level and counted, never answered (no request id, or
// the message cannot be trusted to carry one).
enum class Unreadable : std::uint8_t { kTooLarge, kInvalidUtf8, kInvalidJson, kNotObject, kMissingRequestId };
std::string_view unreadableName(Unreadable u) noexcept;

struct Envelope {
  nlohmann::json body;     // the whole object
  nlohmann::json rid;      // the request id as sent (string or integer)
  std::string rid_key;     // "request_id" or "id"
  std::string request_id;  // its text form (the ledger key)
};

struct ReadFailure {
  Unreadable why;
  std::string detail;
};

// Checks in this order: size (> max_bytes), UTF-8, JSON, object, request id
// (`request_id` or `id`: a non-empty string of at most 128 bytes, or an integer).
tl::expected<Envelope, ReadFailure> readEnvelope(std::string_view payload, std::size_t max_bytes);

bool validUtf8(std::string_view s) noexcept;

// ISO 8601 ("2025-02-06T14:30:00Z", "...T14:30:00.123+02:00") or a number of
// seconds since the epoch (milliseconds if > 1e11). Unix ms, or nullopt.
std::optional<std::int64_t> parseTimestampMs(const nlohmann::json& value);

// ISO 8601 UTC with milliseconds: "2026-11-22T23:01:02.345Z".
std::string isoUtc(std::int64_t unix_ms);

}  // namespace tgw::command
