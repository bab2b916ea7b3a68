#include <iostream>

#include "kmldiff/kmldiff.hpp"

int main(int argc, char** argv) {
  return izo::replay::kmldiff_main(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                   std::cerr);
}
