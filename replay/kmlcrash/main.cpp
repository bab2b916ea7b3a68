#include <iostream>

#include "kmlcrash/kmlcrash.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return izo::replay::kmlcrash_main(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
