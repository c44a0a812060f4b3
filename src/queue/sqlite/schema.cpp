#include "queue/sqlite/schema.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "core/logging.hpp"

namespace tgw::queue {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages(
  band INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  cls INTEGER NOT NULL,
  qos INTEGER NOT NULL,
  retain INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  enqueued_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY(band, seq)) WITHOUT ROWID;
)sql";

constexpr const char* kMigrateV1ToV2 = R"sql(
CREATE TABLE IF NOT EXISTS drops(reason TEXT PRIMARY KEY, count INTEGER NOT NULL);
)sql";

Expected<void> checkPath(const std::string& path) {
  if (path.empty()) {
    return makeError(Errc::kConfig,
                     "queue.path is empty: set it to a file path such as "
                     "/var/lib/telemetry-gateway/queue.db");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("queue file {} is a directory: set queue.path to a file inside it (e.g. "
                                   "{}/queue.db) or remove the directory",
                                   path, path));
    }
    if (::access(path.c_str(), R_OK | W_OK) != 0) {
      return makeError(Errc::kPermission,
                       fmt::format("queue file {} is not readable and writable by this user (uid {}): {}; fix its "
                                   "owner/permissions (chown telemetry-gateway {})",
                                   path, ::getuid(), std::error_code(errno, std::generic_category()).message(), path));
    }
  }
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return makeError(Errc::kNotFound, fmt::format("directory {} of queue file {} does not exist: create it (the "
                                                  "systemd unit does with StateDirectory=) or change queue.path",
                                                  dir.string(), path));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return makeError(Errc::kPermission,
                     fmt::format("directory {} of queue file {} is not writable by this user (uid {}): {}; the "
                                 "queue needs it for the file and its -wal/-shm companions: fix permissions or "
                                 "change queue.path",
                                 dir.string(), path, ::getuid(), std::error_code(errno, std::generic_category()).message()));
  }
  return {};
}

// Reads the header and checks every page; NOTADB / CORRUPT mean "move aside".
Expected<void> probe(Database& db) {
  auto mode = db.scalar("PRAGMA schema_version");
  if (!mode) return tl::unexpected(mode.error());
  auto stmt = db.prepare("PRAGMA quick_check(1)");
  if (!stmt) return tl::unexpected(stmt.error());
  const int rc = stmt->step();
  if (rc != SQLITE_ROW) return tl::unexpected(db.error(rc, "checking the queue file"));
  const std::string result = stmt->text(0);
  if (result != "ok") return makeError(Errc::kCorrupt, fmt::format("queue file {} is corrupt: {}", db.path(), result));
  return {};
}

Expected<void> moveAside(const std::string& path, const std::string& target) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string from = path + suffix;
    if (::access(from.c_str(), F_OK) != 0) continue;
    const std::string to = target + suffix;
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return tl::unexpected(errnoError(errno, fmt::format("moving corrupt queue file {} to {}", from, to)));
    }
  }
  return {};
}

Expected<void> migrate(Database& db) {
  auto has = db.scalar("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'");
  if (!has) return tl::unexpected(has.error());
  int version = 0;
  if (*has != 0) {
    auto v = db.scalar("SELECT max(version) FROM schema_version");
    if (!v) return tl::unexpected(v.error());
    version = static_cast<int>(*v);
  }
  if (version > kSchemaVersion) {
    return makeError(Errc::kUnsupported,
                     fmt::format("queue file {} has schema version {}, this build of telemetry-gateway knows "
                                 "versions up to {}: install the newer telemetry-gateway again, or move the file "
                                 "away to start an empty queue (nothing was changed)",
                                 db.path(), version, kSchemaVersion));
  }
  if (version == kSchemaVersion) return {};
  auto log = log::get("queue");
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
  auto fail = [&](const Error& e) -> Expected<void> {
    (void)db.exec("ROLLBACK");
    return makeError(e.code, "migrating the queue schema: " + e.message);
  };
  if (version < 1) {
    if (auto r = db.exec(kSchemaV1); !r) return fail(r.error());
  }
  if (version < 2) {
    if (auto r = db.exec(kMigrateV1ToV2); !r) return fail(r.error());
  }
  if (auto r = db.exec(
          fmt::format("DELETE FROM schema_version; INSERT INTO schema_version(version) VALUES({});", kSchemaVersion));
      !r) {
    return fail(r.error());
  }
  if (auto r = db.exec("COMMIT"); !r) return fail(r.error());
  if (version > 0) log->info("queue {}: schema migrated from version {} to {}", db.path(), version, kSchemaVersion);
  return {};
}

Expected<Database> openAndCheck(const config::QueueConfig& cfg) {
  auto db = Database::open(cfg.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, kBusyTimeoutMs);
  if (!db) return db;
  if (sqlite3_db_readonly(db->handle(), "main") == 1) {
    return makeError(Errc::kPermission, fmt::format("queue file {} can only be opened read-only: fix its "
                                                    "owner/permissions or the mount",
                                                    cfg.path));
  }
  if (auto r = probe(*db); !r) return tl::unexpected(r.error());
  return db;
}

}  // namespace

const char* schemaSql(int version) {
  switch (version) {
    case 1:
      return kSchemaV1;
    case 2:
      return kMigrateV1ToV2;
    default:
      return "";
  }
}

std::string corruptName(const std::string& path, WallTime now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  std::string name = path + ".corrupt-" + buf;
  // Never overwrite an earlier one moved aside in the same second.
  for (int i = 1; ::access(name.c_str(), F_OK) == 0; ++i) name = fmt::format("{}.corrupt-{}-{}", path, buf, i);
  return name;
}

Expected<Database> openQueueDatabase(const config::QueueConfig& cfg, const Clock& clock) {
  if (auto r = checkPath(cfg.path); !r) return tl::unexpected(r.error());
  auto db = openAndCheck(cfg);
  if (!db && db.error().code == Errc::kCorrupt) {
    const std::string target = corruptName(cfg.path, clock.now());
    if (auto moved = moveAside(cfg.path, target); !moved) {
      return makeError(Errc::kCorrupt,
                       db.error().message + "; and it could not be moved aside: " + moved.error().message);
    }
    log::get("queue")->error(
        "queue file {} was corrupt or not an SQLite database ({}); moved it to {} and started "
        "an empty queue; the old messages are in the moved file",
        cfg.path, db.error().message, target);
    db = openAndCheck(cfg);
  }
  if (!db) return db;
  const bool full = cfg.synchronous == "full";
  auto setup =
      db->exec(fmt::format("PRAGMA journal_mode=WAL; PRAGMA synchronous={}; "
                           "PRAGMA journal_size_limit=4194304; PRAGMA wal_autocheckpoint=1000; "
                           "PRAGMA cache_size=-2048;",
                           full ? "FULL" : "NORMAL"));
  if (!setup) return tl::unexpected(setup.error());
  {
    auto mode = db->prepare("PRAGMA journal_mode");
    if (mode && mode->step() == SQLITE_ROW && mode->text(0) != "wal") {
      return makeError(Errc::kUnsupported, fmt::format("queue file {}: the file system does not support WAL mode "
                                                       "(journal_mode is '{}'): put the queue on a local file system",
                                                       cfg.path, mode->text(0)));
    }
  }
  if (auto r = migrate(*db); !r) return tl::unexpected(r.error());
  return db;
}

Expected<Database> openExistingQueue(const std::string& path, bool write) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return makeError(Errc::kNotFound,
                     fmt::format("no queue file at {}: the daemon creates it on first start; check queue.path", path));
  }
  if (S_ISDIR(st.st_mode)) {
    return makeError(Errc::kInvalidArgument, fmt::format("queue file {} is a directory: check queue.path", path));
  }
  auto db = Database::open(path, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, kBusyTimeoutMs);
  if (!db) return db;
  auto has = db->scalar("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'");
  if (!has) return tl::unexpected(has.error());
  if (*has == 0) return makeError(Errc::kCorrupt, fmt::format("{} is not a telemetry-gateway queue file", path));
  auto v = db->scalar("SELECT max(version) FROM schema_version");
  if (!v) return tl::unexpected(v.error());
  if (*v != kSchemaVersion) {
    return makeError(Errc::kUnsupported,
                     fmt::format("queue file {} has schema version {}, this tool reads version {}: use the "
                                 "telemetry-gateway that wrote it (the daemon migrates older files on start)",
                                 path, *v, kSchemaVersion));
  }
  return db;
}

}  // namespace tgw::queue
