// The rule for a path inside a fileset: relative to the fileset root, made of
// plain names. Nothing that satisfies it can reach outside the fileset or into
// its metadata folder (.intermezzo at the root).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace izo {

inline constexpr std::string_view kMetadataDir = ".intermezzo";

// nullopt when `path` is a legal fileset path, else what is wrong with it.
// The empty path names the fileset root and is legal only with allow_root.
std::optional<std::string_view> fileset_path_problem(std::string_view path, bool allow_root);

// The directory holding `path`: "" (the root) for a top-level name.
std::string parent_path(std::string_view path);

// Whether `path` is `dir` itself or a name inside it, at any depth.
bool at_or_under(std::string_view path, std::string_view dir);

}  // namespace izo
