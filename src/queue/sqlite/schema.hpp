// Opening the queue file: path checks, moving a corrupt file aside, pragmas,
// the schema version table and forward migrations.
#pragma once

#include <string>

#include "queue/sqlite/sqlite_db.hpp"
#include "tgw/config/queue_config.hpp"
#include "tgw/core/clock.hpp"

namespace tgw::queue {

// Version 1: messages + meta. Version 2: adds the persisted drop counters.
inline constexpr int kSchemaVersion = 2;
inline constexpr int kBusyTimeoutMs = 5000;

// The schema of one version exactly as it was released (tests build old
// files with it to check the migration).
const char* schemaSql(int version);

// Open (creating if missing) the daemon's queue: checks the path, moves a
// corrupt / non-SQLite file aside to `<path>.corrupt-<UTC timestamp>` (error
// logged with the new name), sets WAL + synchronous + limits and migrates the
// schema forward. A newer schema, an unwritable directory or file, or a path
// that is a directory are errors naming the path; nothing is deleted.
Expected<Database> openQueueDatabase(const config::QueueConfig& cfg, const Clock& clock);

// Open an existing queue for the CLI while the daemon may run: never creates,
// migrates or moves anything (`write` = open read-write for purge).
Expected<Database> openExistingQueue(const std::string& path, bool write);

// Where a corrupt file is moved: "<path>.corrupt-20260122T101500Z".
std::string corruptName(const std::string& path, WallTime now);

}  // namespace tgw::queue
