#include "runtime/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace izo::lento {

void Log::operator()(Level l, const std::string& text) const {
  if (!enabled(l)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  static const char* names[] = {"error", "info", "debug"};
  std::fprintf(stderr, "%s.%03lld lento[%s] %s: %s\n", stamp, static_cast<long long>(ms), who_.c_str(),
               names[static_cast<int>(l)], text.c_str());
}

}  // namespace izo::lento
