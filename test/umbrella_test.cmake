# precast.hpp compiles without <filesystem>, <fstream>, POSIX headers of precast's own or xtensor/xadapt.hpp:
# what touches files and the terminal has its own headers (io/, report.hpp, data/, mpi.hpp). Lists the headers a
# translation unit with only `#include <precast/precast.hpp>` reads (the compiler's -M) and checks them.
#   cmake -DCXX=<compiler> -DSOURCE_DIR=<repository> -DWORK_DIR=<dir> -P umbrella_test.cmake
file(MAKE_DIRECTORY "${WORK_DIR}")
file(WRITE "${WORK_DIR}/umbrella.cpp" "#include <precast/precast.hpp>\n")
execute_process(COMMAND "${CXX}" -std=c++20 -M "-I${SOURCE_DIR}/src" "${WORK_DIR}/umbrella.cpp"
                RESULT_VARIABLE rc OUTPUT_VARIABLE deps ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "precast.hpp does not compile on its own:\n${err}")
endif()
string(REGEX REPLACE "[ \\\\\n]+" ";" deps "${deps}")
set(problems "")
foreach(dep IN LISTS deps)
  if(dep MATCHES "/(filesystem|fstream)$" OR dep MATCHES "xadapt\\.hpp$")
    string(APPEND problems "  reads ${dep}\n")
  endif()
  if(dep MATCHES "/precast/.*\\.hpp$")
    file(STRINGS "${dep}" posix REGEX "^#include <(unistd|io|fcntl|sys/[a-z]+)\\.h>")
    if(posix)
      string(APPEND problems "  ${dep} includes ${posix}\n")
    endif()
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "precast.hpp pulls in what it promises not to:\n${problems}")
endif()
message(STATUS "precast.hpp: no <filesystem>, <fstream>, xadapt.hpp or POSIX header of precast's own")
