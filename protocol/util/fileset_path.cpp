#include "util/fileset_path.hpp"

#include "izo/kml_format.h"

namespace izo {

std::optional<std::string_view> fileset_path_problem(std::string_view path, bool allow_root) {
  if (path.empty()) {
    if (allow_root) return std::nullopt;
    return "empty path (the fileset root) where a name is required";
  }
  if (path.size() > IZO_KML_MAX_PATH) return "path longer than 4096 bytes";
  if (path.front() == '/') return "absolute path";
  if (path.find('\0') != std::string_view::npos) return "NUL byte in path";
  std::size_t start = 0;
  bool first = true;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty()) return "empty path component (\"//\" or trailing \"/\")";
    if (part == ".") return "\".\" path component";
    if (part == "..") return "\"..\" path component";
    if (part.size() > IZO_KML_MAX_NAME) return "path component longer than 255 bytes";
    if (first && part == kMetadataDir) return "path inside the fileset's .intermezzo folder";
    first = false;
    start = slash + 1;
  }
  return std::nullopt;
}

std::string parent_path(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

bool at_or_under(std::string_view path, std::string_view dir) {
  return path == dir || (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

}  // namespace izo
