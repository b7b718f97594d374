# Warnings and code-generation flags shared by every neurotheory target.
add_library(neurotheory_flags INTERFACE)
target_compile_options(neurotheory_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                       -Wno-sign-conversion)
if(NEUROTHEORY_NATIVE)
  target_compile_options(neurotheory_flags INTERFACE -march=native)
endif()
if(NEUROTHEORY_SANITIZE)
  target_compile_options(neurotheory_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_link_options(neurotheory_flags INTERFACE -fsanitize=address,undefined)
endif()
