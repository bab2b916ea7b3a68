// lento's log: one line per event on stderr, with the time, the daemon's
// sysid and the level. --debuglevel picks how much: 0 errors, 1 also what
// happens to peers and conflicts (the default), 2 also every message.
#pragma once

#include <string>

namespace izo::lento {

enum class Level { error = 0, info = 1, debug = 2 };

class Log {
 public:
  Log(std::string who, int level) : who_(std::move(who)), level_(level) {}
  bool enabled(Level l) const { return static_cast<int>(l) <= level_; }
  void operator()(Level l, const std::string& text) const;
  void error(const std::string& text) const { (*this)(Level::error, text); }
  void info(const std::string& text) const { (*this)(Level::info, text); }
  void debug(const std::string& text) const { (*this)(Level::debug, text); }

 private:
  std::string who_;
  int level_;
};

}  // namespace izo::lento
