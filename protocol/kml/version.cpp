#include "kml/version.hpp"

namespace izo {

std::string to_string(const Version& v) {
  if (!v.exists()) return "none";
  return std::to_string(v.host) + ":" + std::to_string(v.seq);
}

}  // namespace izo
