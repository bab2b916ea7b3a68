#pragma once
// What content a replicator's reintegration batch needs from it: for each
// file the batch closes, the content as the file stands once the whole batch
// is applied. A close followed in the same batch by another close of the
// file, or by its removal, needs nothing of its own; a close followed by a
// rename, a link, a setattr or an xattr change needs the content under the
// file's last name and version. A close that leaves the file empty needs
// nothing: its record says the whole content.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "kml/record.hpp"
#include "kml/version.hpp"

namespace izo::replica {

struct ContentNeed {
  std::size_t first_close = 0;  // the batch's first close of the file: without the content, stop before it
  std::size_t last = 0;         // the batch's last record of the file: the content is installed after it
  std::string path;             // a name of the file after `last`
  Version version;              // its version after `last`
};

// The needs of batch[from...], in the order of their first close.
std::vector<ContentNeed> content_needs(std::span<const kml::Record> batch, std::size_t from = 0);

}  // namespace izo::replica
