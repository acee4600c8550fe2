# Compile options shared by every project target.
add_library(kmslab_options INTERFACE)
target_compile_options(kmslab_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(KMSLAB_WERROR)
  target_compile_options(kmslab_options INTERFACE -Werror)
endif()
# Boost.Asio pulls in deprecated OpenSSL 1.x APIs on Boost 1.74; it still works on OpenSSL 3.
target_compile_definitions(kmslab_options INTERFACE BOOST_ASIO_NO_DEPRECATED
                                                    BOOST_BEAST_USE_STD_STRING_VIEW)
# Executables' debug sections compressed at link: gdb and the sanitizers' symbolizer read them as
# they are, in about a third of the space. Only the link: compile flags stay as they are, so every
# object already in a ccache keeps its hit.
target_link_options(kmslab_options INTERFACE -Wl,--compress-debug-sections=zlib)
if(KMSLAB_FUZZ)
  # Every library is instrumented for coverage; only the fuzz targets link libFuzzer's main.
  set(_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
            -fno-omit-frame-pointer)
  target_compile_options(kmslab_options INTERFACE ${_fuzz})
  target_link_options(kmslab_options INTERFACE -fsanitize=address,undefined)
elseif(KMSLAB_TSAN)
  # -Wno-tsan: GCC 12 warns that Asio's atomic_thread_fence is invisible to TSan; Asio also takes
  # locks around those fences, so the warning is noise that -Werror would turn into a failure.
  target_compile_options(kmslab_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer
                                                  -Wno-tsan)
  target_link_options(kmslab_options INTERFACE -fsanitize=thread)
elseif(KMSLAB_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  # Linked as a plain executable, not a PIE: ASan's and UBSan's per-global and per-check data in a
  # PIE carry a dynamic relocation each (150 MB of .rela.dyn in the emulator alone). Objects are
  # still compiled as PIE code, which links either way, so their ccache entries stay valid.
  target_compile_options(kmslab_options INTERFACE ${_san})
  target_link_options(kmslab_options INTERFACE ${_san} -no-pie)
endif()

function(kmslab_target name)
  target_link_libraries(${name} PRIVATE kmslab_options)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
