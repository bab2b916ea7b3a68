#!/usr/bin/env bash
# Enforces DESIGN.md contract 1 on protocol/'s sources: no I/O, no clock, no
# random numbers, no threads. Test files (*_test.cpp, *_gen.hpp) may do what
# they like. Usage: check_no_io.sh DIR   (exit 1 and the offending lines if any)
set -u
dir=${1:?usage: check_no_io.sh DIR}
pattern='#include *[<"](boost/asio|fstream|iostream|cstdio|stdio\.h|thread|mutex|future|random|filesystem|chrono|ctime|unistd\.h|fcntl\.h|sys/|netinet|arpa/)|::now\(|std::rand|[^_a-z]getenv\(|clock_gettime|std::random_device'
found=$(find "$dir" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) \
          ! -name '*_test.cpp' ! -name '*_gen.hpp' ! -path "$dir/testdata/*" -print0 |
        xargs -0 -r grep -nE "$pattern")
if [ -n "$found" ]; then
  echo "protocol/ must do no I/O, read no clock, draw no random number, start no thread:"
  echo "$found"
  exit 1
fi
echo "protocol/ sources obey the no-I/O rule"
