# Warnings for the project's own targets: izo_warnings is an interface library
# every target links. Third-party headers come in as SYSTEM and stay quiet.
add_library(izo_warnings INTERFACE)
target_compile_options(izo_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wcast-align -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations
  $<$<COMPILE_LANGUAGE:CXX>:-Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual>
  $<$<COMPILE_LANGUAGE:C>:-Wmissing-prototypes -Wstrict-prototypes>)
if(IZO_WERROR)
  target_compile_options(izo_warnings INTERFACE -Werror)
endif()
