// The moves of the simulated world, and their text: one line per move, as
// the explorer prints a trace and reads a saved one back.
//   deliver A->S   deliver S->B   fetch 0   cut A   heal A   crash S
//   restart S      op A write f0 A1   op B unlink d/f1   op S rename f0 f1
//   op A mkdir d
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace izo::model {

// A file operation the simulated Presto makes on one node.
struct FileOp {
  enum Kind : std::uint8_t { write, unlink, rename, mkdir } kind = write;
  std::string path, path2, content;
  friend bool operator==(const FileOp&, const FileOp&) = default;
};

// One step of the world, named: what the exhaustive explorer and the
// property-based runs choose instead of the seeded generator. Nodes are
// numbered 0 (the server, S) and 1.. (clients A, B, ...); client c is node
// c + 1. Queue 2c carries client c's messages to the server, 2c + 1 the
// server's to client c.
struct Move {
  enum Kind : std::uint8_t { deliver, fetch, op, cut, heal, crash, restart } kind = deliver;
  int who = 0;  // deliver: queue; fetch: index of the pending fetch; op, crash, restart: node; cut, heal: client
  FileOp file;  // op only
  friend bool operator==(const Move&, const Move&) = default;
};

// "S" for node 0, "A", "B", ... for the clients.
std::string node_name(int node);
std::string to_text(const Move& move);
// A move written by to_text(), in a world of `clients` clients; the error
// names what is wrong with the line.
Result<Move> parse_move(std::string_view line, int clients);

}  // namespace izo::model
