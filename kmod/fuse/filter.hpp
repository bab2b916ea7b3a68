// Presto over FUSE 3: the operations of the mount. Every access passes to the
// wrapped tree; every update is made there and then journaled, under one
// update lock, with the versions of the objects before and after.
#pragma once

#define FUSE_USE_VERSION 35
#include <fuse.h>

#include <memory>
#include <mutex>
#include <string>

#include "journal.hpp"
#include "lento_channel.hpp"
#include "lower.hpp"

namespace izo::presto {

struct FilterOptions {
  std::string fileset;
  std::uint64_t host = 1;
  bool verbose = false;
};

class Filter {
 public:
  // `lento` is null when the filter runs without Lento (journaling only).
  Filter(Lower lower, std::unique_ptr<Journal> journal, std::unique_ptr<LentoChannel> lento, FilterOptions options)
      : lower_(std::move(lower)), journal_(std::move(journal)), lento_(std::move(lento)), options_(std::move(options)) {}

  // Lento stops hearing of the journal before the channel goes.
  ~Filter() {
    journal_->on_durable(nullptr);
    free_unreleased_files();
  }
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  // Before mounting: the channel to Lento, whose JOURNAL requests append
  // through this filter's update lock.
  void attach_lento(std::unique_ptr<LentoChannel> lento) { lento_ = std::move(lento); }

  // The operation table; each entry finds this Filter in fuse_get_context().
  static const fuse_operations& operations();

  const Lower& lower() const { return lower_; }
  Journal& journal() { return *journal_; }
  LentoChannel* lento() { return lento_.get(); }
  std::mutex& update_lock() { return update_; }
  // Frees the open files the kernel never released (stopped by a signal).
  static void free_unreleased_files();
  const FilterOptions& options() const { return options_; }

 private:
  Lower lower_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<LentoChannel> lento_;
  FilterOptions options_;
  std::mutex update_;  // one update (lower change + record) at a time
};

}  // namespace izo::presto
