// An SQLite VFS shim, registered as the default, that counts the bytes
// written to WAL files and to database files (checkpoints).
#pragma once

#include <atomic>
#include <cstdint>

namespace tgw::bench {

struct WalCounters {
  std::atomic<std::uint64_t> wal_bytes{0};
  std::atomic<std::uint64_t> db_bytes{0};
  std::atomic<std::uint64_t> syncs{0};
};

// Installs the shim once (idempotent) and returns its counters.
WalCounters& installWalCounter();

}  // namespace tgw::bench
