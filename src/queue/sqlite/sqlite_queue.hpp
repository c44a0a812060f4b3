// The durable queue on one SQLite file: one writer connection, WAL, group
// commit (staged writes become durable together at commit()), limits with
// drop by priority, TTL, attempts, and counters kept in memory so the hot
// path never scans the table. Loop thread only.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "queue/drop_log.hpp"
#include "queue/sqlite/queries.hpp"
#include "queue/sqlite/sqlite_db.hpp"
#include "tgw/config/queue_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/queue/queue.hpp"

namespace tgw::queue {

class SqliteQueue final : public Queue {
 public:
  // Opens / creates cfg.path (see openQueueDatabase for the checks, the
  // corrupt-file handling and the migration).
  static Expected<std::unique_ptr<SqliteQueue>> open(const config::QueueConfig& cfg, const Clock& clock);
  ~SqliteQueue() override;
  SqliteQueue(const SqliteQueue&) = delete;
  SqliteQueue& operator=(const SqliteQueue&) = delete;

  Expected<std::uint64_t> push(Message message) override;
  Expected<void> commit() override;
  [[nodiscard]] std::size_t uncommitted() const override { return staged_writes_; }
  std::vector<QueuedMessage> fetch(std::size_t max) override;
  void ack(std::uint64_t seq) override;
  void fail(std::uint64_t seq, bool count_attempt) override;
  std::size_t sweep() override;
  void recordDrop(DropReason reason, const Message& message) override;
  [[nodiscard]] QueueStats stats() const override;
  [[nodiscard]] std::uint64_t count(MessageClass cls) const override;
  [[nodiscard]] std::uint64_t size() const override { return total_; }
  [[nodiscard]] std::uint64_t committedSeq() const override { return committed_seq_; }
  Expected<std::vector<QueuedMessage>> peek(std::size_t n) override;
  Expected<std::uint64_t> purge(std::optional<MessageClass> cls) override;

  // Final commit and close (also done by the destructor).
  Expected<void> close();
  [[nodiscard]] const std::string& path() const { return db_.path(); }

 private:
  struct Lease {
    int band = 0;
    MessageClass cls = MessageClass::kTelemetry;
    std::uint64_t bytes = 0;
    int attempts = 0;
    std::string topic;
  };
  struct Staged {
    std::uint64_t seq;
    MessageClass cls;
    std::string topic;
  };

  SqliteQueue(Database db, const config::QueueConfig& cfg, const Clock& clock);
  Expected<void> prepare();
  Expected<void> loadCounters();
  Expected<void> begin();
  // Free room for a message of `band` and `bytes`; false if the new message
  // itself must be dropped.
  bool makeRoom(int band, std::uint64_t bytes, const Message& incoming);
  // Delete one row (staged); true if a row was deleted.
  bool deleteRow(int band, std::uint64_t seq, MessageClass cls, std::uint64_t bytes);
  // A write failed: classify, count, and recover the transaction state.
  Error writeFailed(int rc, std::string_view what);
  // The open transaction was rolled back (by us or by SQLite): drop the
  // staged inserts (counted), reload the counters, rescan from the start.
  void transactionLost(DropReason reason, const std::string& why);
  void checkExternalChanges();
  void countDrop(DropReason reason, MessageClass cls, const std::string& topic, std::uint64_t seq,
                 const std::string& detail);
  [[nodiscard]] std::int64_t nowMs() const { return toUnixMs(clock_.now()); }
  [[nodiscard]] std::uint64_t bandCount(int band) const;

  Database db_;
  config::QueueConfig cfg_;
  const Clock& clock_;
  DropLog drop_log_;

  Statement insert_;
  Statement delete_;
  Statement attempts_;
  Statement fetch_;
  mutable Statement victim_;  // also used by stats()
  Statement expired_;
  Statement meta_;
  Statement drop_count_;
  Statement data_version_;

  bool in_txn_ = false;
  std::size_t staged_writes_ = 0;
  std::vector<Staged> staged_inserts_;
  // Counter changes of the open transaction, undone if it is lost (no
  // table scan on the disk-full path).
  struct Delta {
    MessageClass cls;
    std::uint64_t bytes;
    bool insert;
  };
  std::vector<Delta> staged_deltas_;
  bool reload_on_loss_ = false;
  void applyDelta(const Delta& d, bool undo);
  std::uint64_t last_seq_ = 0;
  std::uint64_t committed_seq_ = 0;
  std::array<std::uint64_t, kMessageClassCount> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t bytes_ = 0;
  std::array<std::uint64_t, kDropReasonCount> drops_{};
  std::array<std::uint64_t, kDropReasonCount> drops_unsaved_{};
  std::array<std::uint64_t, kBands> cursor_{};
  std::unordered_map<std::uint64_t, Lease> leases_;
  std::int64_t data_version_value_ = 0;
  std::uint64_t commits_ = 0;
  std::uint64_t commit_errors_ = 0;
  std::uint64_t commit_errors_logged_ = 0;
  std::uint64_t suppressed_commit_errors_ = 0;
  MonoTime last_commit_error_log_{};
  bool closed_ = false;
};

}  // namespace tgw::queue
