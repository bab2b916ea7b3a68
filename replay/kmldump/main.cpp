#include <iostream>

#include "kmldump/kmldump.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return izo::replay::kmldump_main(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                   std::cerr);
}
