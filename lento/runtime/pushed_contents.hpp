// Contents pushed with a batch of records, so that its receiver need not
// fetch them (wire::PushContents, protocol/wire/FORMAT.md kind 21).
//
// Sender: of the files the records close (replica::content_needs: each
// file's name and version once the records are applied), the small ones
// this host holds at exactly that version are read and sent just before the
// records. Receiver: each content waits in a FetchedContents place for the
// next message from that peer; a fetch the engine asks of that peer for that
// name and version takes it instead of going to the network, and whatever
// that message did not use is given back. A push is never needed: anything
// not pushed, or pushed and not used, is fetched as before.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "kml/record.hpp"
#include "posix/posix_store.hpp"
#include "replica/engine.hpp"
#include "runtime/fetched_contents.hpp"
#include "wire/messages.hpp"

namespace izo::lento {

struct PushLimits {
  std::uint64_t file = 256u << 10;   // a bigger file is fetched
  std::uint64_t total = 4u << 20;    // per message
};

// What to push before sending `records` (no files when nothing qualifies).
wire::PushContents gather_pushes(const posix::PosixStore& store, const std::string& fileset,
                                 std::span<const kml::Record> records, PushLimits limits = {});

class PushedContents {
 public:
  explicit PushedContents(FetchedContents& places) : places_(places) {}
  ~PushedContents();
  PushedContents(const PushedContents&) = delete;
  PushedContents& operator=(const PushedContents&) = delete;

  // Keeps what `from` pushed for its next message (what it pushed before and
  // was not used goes). `next_id` names places that are files.
  std::optional<Error> receive(replica::HostId from, const wire::PushContents& push, std::uint64_t& next_id);
  // The place of what `from` pushed for `path` at `version`, taken out (the
  // caller owns it from here); nullopt if it pushed no such thing.
  std::optional<std::string> take(replica::HostId from, const std::string& path, const Version& version);
  // The message the pushes came for was handled (or the link went): what is
  // left of them is given back. Returns how many.
  std::size_t drop(replica::HostId from);

  std::size_t held() const;

 private:
  FetchedContents& places_;
  std::map<replica::HostId, std::map<std::pair<std::string, Version>, std::string>> held_;
};

}  // namespace izo::lento
