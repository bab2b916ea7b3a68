// A fixture for check_no_io.sh's own test: the checker must refuse this file.
#include <fstream>
#include <chrono>
int now_ms() { return static_cast<int>(std::chrono::steady_clock::now().time_since_epoch().count()); }
