# -DWSFO_FUZZ=ON: the libFuzzer targets of fuzz/ over the core library, every
# file instrumented for coverage and built with ASan and UBSan. Clang only
# (Debian's clang-15 and libfuzzer-15-dev); scripts/fuzz.sh configures it.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "WSFO_FUZZ needs clang (libFuzzer): configure with CXX=clang++-15, "
                      "not ${CMAKE_CXX_COMPILER_ID} (${CMAKE_CXX_COMPILER})")
endif()

find_package(Boost 1.74 REQUIRED)  # Beast's HTTP parser, header-only, for the handshake target
find_package(nlohmann_json 3.11 REQUIRED)

set(WSFO_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer)
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer,address,undefined")
set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=fuzzer,address,undefined")
check_cxx_source_compiles([[
#include <cstddef>
#include <cstdint>
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }
]] WSFO_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(NOT WSFO_HAVE_LIBFUZZER)
  message(FATAL_ERROR "${CMAKE_CXX_COMPILER} cannot link -fsanitize=fuzzer: install libfuzzer-15-dev "
                      "(Debian) for clang-15's libFuzzer runtime")
endif()

add_compile_options(-Wall -Wextra ${WSFO_FUZZ_FLAGS})
if(WSFO_WERROR)
  add_compile_options(-Werror)
endif()
add_compile_definitions(WSFO_VERSION="${PROJECT_VERSION}" WSFO_SOURCE_DIR="${CMAKE_SOURCE_DIR}")

add_subdirectory(fuzz)
