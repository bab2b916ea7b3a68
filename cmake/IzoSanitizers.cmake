# The asan preset turns IZO_SANITIZE on: every target is built and linked with
# ASan + UBSan, and UBSan findings abort (so a test that triggers one fails).
if(IZO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
