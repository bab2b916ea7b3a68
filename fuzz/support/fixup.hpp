// Structure-aware repair for the fuzzers' custom mutators. Random mutation
// almost never produces a matching CRC-32C or a consistent set of lengths, so
// nearly every mutant would die at the first check and the decoders' deeper
// rules would go unexplored. These functions take mutated bytes and rewrite
// what a checksum or a length field makes unreachable (magic, format, lengths,
// padding, checksums, consecutive record numbers), keeping everything else.
// They work in place and return the new size, never above `max_size`.
#pragma once

#include <cstddef>
#include <cstdint>

namespace izo::fuzz {

// One KML record filling data[0..size): lengths fitted to the bytes there
// (the size rounded to 8, at least a header and a tail), padding zeroed,
// head.len == tail.len, the CRC recomputed.
std::size_t fix_kml_record(std::uint8_t* data, std::size_t size, std::size_t max_size);

// A KML: every record found by its declared length is repaired and the log
// closed up behind it; record numbers made consecutive from the first; a tail
// too short to be a record is left as it is (a torn append).
std::size_t fix_kml_log(std::uint8_t* data, std::size_t size, std::size_t max_size);

// A stream of wire packets: each header's magic, format, type, flags, payload
// length (fitted to the bytes left) and CRC.
std::size_t fix_packet_stream(std::uint8_t* data, std::size_t size, std::size_t max_size);

// One upcall message: magic, format, field lengths fitted to the bytes there,
// len; a JOURNAL message's KML record repaired as well.
std::size_t fix_upcall(std::uint8_t* data, std::size_t size, std::size_t max_size);

}  // namespace izo::fuzz
