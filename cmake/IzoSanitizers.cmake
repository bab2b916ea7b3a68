# The asan preset turns IZO_SANITIZE on: every target is built and linked with
# ASan + UBSan, and UBSan findings abort (so a test that triggers one fails).
if(IZO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# The fuzz preset (clang) also instruments every target for libFuzzer's
# coverage guidance; the fuzz targets themselves link -fsanitize=fuzzer.
if(IZO_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "IZO_FUZZ needs clang (libFuzzer); use the fuzz preset (clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
