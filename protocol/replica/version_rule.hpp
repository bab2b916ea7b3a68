// DESIGN.md contract 4, as one function: does an incoming record apply here,
// was it applied before (a duplicate), or does it conflict with what this
// replica holds?
#pragma once

#include <set>
#include <span>
#include <vector>
#include <string>

#include "kml/record.hpp"
#include "replica/store.hpp"

namespace izo::replica {

// merge: a directory created on both sides; both replicas keep one directory
// (its entries are compared one by one) and adopt the greater of the two
// versions, so they converge whatever the order.
enum class Verdict { apply, duplicate, conflict, merge };

struct Decision {
  Verdict verdict = Verdict::apply;
  std::string path;    // the object the conflict is about
  std::string reason;  // why, in words
};

// `later` holds the new versions produced by the records after `r` in the
// same batch: an object already at one of them shows that `r` (earlier in the
// same in-order stream) was applied before a crash.
//
// The rule, per object the record names:
// - the object is at the version the writer saw (absent for a create): apply;
// - it is at the version the record produced, or a later one of the batch:
//   duplicate; an unlink/rmdir/rename whose source is already gone: duplicate;
// - anything else (changed here too, created here too, parent gone, directory
//   not empty): conflict.
// A directory's version covers its own attributes, not its entries, so two
// replicas adding different names to one directory do not conflict (names
// are compared one by one, as Unison does).
Decision decide(const kml::Record& r, const StoreView& store, const std::set<Version>& later);

// Carries out a merge verdict: the directory keeps the greater of the two
// versions, so both replicas end with the same one.
void merge_directory(Store& store, const kml::Record& r);

// For each record of an in-order batch, the `later` set decide() wants: the
// new versions produced by the records after it.
std::vector<std::set<Version>> later_stamps(std::span<const kml::Record> batch);

// The name a record leaves its object at (a rename's or link's second
// name), or none when it removes it.
const std::string* name_left(const kml::Record& r);

// Whether a record that comes after a given one in its in-order batch
// (`after`: the rest of the batch) has its result in `store` already: its
// object at the name it leaves, with the version it gives (versions are made
// once, by one record). The given record was then applied here before too,
// since a batch is applied in order, however the later records have changed
// its names since: a crash between applying part of a batch and recording
// so leaves exactly this, and the batch comes again. Asked before a record
// of a batch is called a conflict.
bool applied_later(std::span<const kml::Record> after, const StoreView& store);

// Whether `store` holds the record's result: its object at the name it
// leaves, with the version it gives.
bool result_in_store(const kml::Record& r, const StoreView& store);

// Whether a record after a given one in its batch (`after`) removes the
// object at `path` or moves it away (following it through renames): an
// object missing here is then what that record left, if nothing else here
// removed it.
bool removed_later(std::span<const kml::Record> after, const std::string& path);

std::string_view verdict_name(Verdict v);

}  // namespace izo::replica
