# ctest driver: install precast from its build tree into a fresh prefix, then configure, build and run the
# consumer project against it: with #include (HEADER_CXX, g++-12) and, if the build has the module, with
# `import precast;` (MODULE_CXX, clang++-19); with Debian's own CMake 3.25 (SYSTEM_CMAKE) and g++-12 in header mode
# against the same package, which also ships the module. Checks the SIMD rule (the consumer's flags decide unless
# it sets PRECAST_ARCH) and that a conflicting SIMD flag is a configure error.
foreach(var PRECAST_BUILD_DIR PRECAST_WORK_DIR CONSUMER_SOURCE_DIR HEADER_CXX)
  if(NOT ${var})
    message(FATAL_ERROR "run_consumer_test.cmake: ${var} is not set")
  endif()
endforeach()

set(prefix "${PRECAST_WORK_DIR}/prefix")
file(REMOVE_RECURSE "${PRECAST_WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "FAILED (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
  set(last_error "${err}" PARENT_SCOPE)
endfunction()

# A consumer built for AVX-512 can only run on a CPU that has it (some of the machines CI lands on do not).
set(cpu_has_avx512 FALSE)
if(EXISTS /proc/cpuinfo)
  file(READ /proc/cpuinfo cpuinfo)
  if(cpuinfo MATCHES "avx512bw")
    set(cpu_has_avx512 TRUE)
  endif()
endif()

run("${CMAKE_COMMAND}" --install "${PRECAST_BUILD_DIR}" --prefix "${prefix}")
message(STATUS "installed precast into ${prefix}")

# build_and_run(<mode> <compiler> <expected arch regex> [cmake args...]); CONSUMER_CMAKE may name another CMake.
function(build_and_run mode cxx expected_arch)
  if(NOT CONSUMER_CMAKE)
    set(CONSUMER_CMAKE "${CMAKE_COMMAND}")
  endif()
  string(MD5 variant "${CONSUMER_CMAKE} ${cxx} ${ARGN}")
  string(SUBSTRING "${variant}" 0 8 variant)
  set(build "${PRECAST_WORK_DIR}/${mode}-${variant}")
  run("${CONSUMER_CMAKE}" -S "${CONSUMER_SOURCE_DIR}" -B "${build}" -G Ninja -DCMAKE_BUILD_TYPE=Release
      "-DCMAKE_CXX_COMPILER=${cxx}" "-DCMAKE_PREFIX_PATH=${prefix}" "-DCONSUMER_MODE=${mode}" ${ARGN})
  set(configure_output "${last_output}${last_error}")
  string(REGEX REPLACE "[\n ]+" " " configure_output "${configure_output}")
  run("${CONSUMER_CMAKE}" --build "${build}")
  if(expected_arch STREQUAL "avx512bw" AND NOT cpu_has_avx512)
    message(STATUS "${mode} consumer (${cxx} ${ARGN}): built; not run, this CPU has no AVX-512")
    return()
  endif()
  run("${build}/consumer")
  if(NOT last_output MATCHES "dot=100")
    message(FATAL_ERROR "${mode} consumer printed an unexpected result: ${last_output}")
  endif()
  if(NOT last_output MATCHES "arch=(${expected_arch}) ")
    message(FATAL_ERROR "${mode} consumer (${cxx} ${ARGN}) was compiled for another SIMD target than expected (${expected_arch}): ${last_output}")
  endif()
  # What the configure said the kernels would get is what they got.
  string(REGEX MATCH "arch=([^ ]+) " _ "${last_output}")
  set(arch "${CMAKE_MATCH_1}")
  string(REPLACE "+" "\\+" arch_regex "${arch}")
  if(NOT configure_output MATCHES "precast: SIMD target ${arch_regex}, ")
    message(FATAL_ERROR "${mode} consumer (${cxx} ${ARGN}) runs ${arch}, but its configure said otherwise:\n${configure_output}")
  endif()
  message(STATUS "${mode} consumer (${CONSUMER_CMAKE} ${cxx} ${ARGN}): ${last_output}")
  # Every build must derive the same weights from the same seed.
  string(REGEX MATCH "weights=[0-9a-f]+" weights "${last_output}")
  if(NOT weights)
    message(FATAL_ERROR "${mode} consumer printed no weights fingerprint")
  endif()
  if(DEFINED first_weights AND NOT weights STREQUAL first_weights)
    message(FATAL_ERROR "seeded weights differ between builds: ${first_weights} vs ${weights} (${cxx} ${ARGN})")
  endif()
  set(first_weights "${weights}" PARENT_SCOPE)
  set(last_configure_output "${configure_output}" PARENT_SCOPE)
  set(last_build "${build}" PARENT_SCOPE)
endfunction()

# The SIMD rule: the consumer's own flags decide, unless it sets PRECAST_ARCH. g++'s default is SSE2, whatever
# target the package was built for.
build_and_run(header "${HEADER_CXX}" "sse2")
# A plain consumer asks for no component: precast looks for neither zlib nor MPI.
file(READ "${last_build}/CMakeCache.txt" cache)
if(cache MATCHES "(ZLIB_INCLUDE_DIR|MPI_CXX_[A-Z_]+):")
  message(FATAL_ERROR "a consumer that asked for no component made precast look for ${CMAKE_MATCH_1}")
endif()
# The components it asks for, it gets (and links).
set(components "")
foreach(component data mpi)
  string(TOUPPER "${component}" upper)
  string(SUBSTRING "${upper}" 0 1 first)
  string(SUBSTRING "${component}" 1 -1 rest)
  if(EXISTS "${prefix}/lib/cmake/precast/precast${first}${rest}Targets.cmake")
    list(APPEND components ${component})
  endif()
endforeach()
list(JOIN components "," components_arg)
build_and_run(header "${HEADER_CXX}" "fma3\\+avx2" "-DCMAKE_CXX_FLAGS=-march=x86-64-v3" "-DCONSUMER_COMPONENTS=${components_arg}")
message(STATUS "components asked for and linked: ${components}")
build_and_run(header "${HEADER_CXX}" "avx512bw" -DPRECAST_ARCH=x86-64-v4)
# A component that does not exist is refused by name.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${PRECAST_WORK_DIR}/no-such-component" -G Ninja
          "-DCMAKE_CXX_COMPILER=${HEADER_CXX}" "-DCMAKE_PREFIX_PATH=${prefix}" -DCONSUMER_COMPONENTS=tensorboard
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "[\n ]+" " " err_flat "${err}")
if(rc EQUAL 0 OR NOT err_flat MATCHES "precast has no component 'tensorboard'; its components are: headers, module, data, mpi")
  message(FATAL_ERROR "an unknown component was not refused by name (${rc}):\n${err}")
endif()

# Debian's own CMake (3.25: no C++ modules) with g++-12 in header mode, against a package that may also ship the
# module: the module's targets must stay out of its way.
if(SYSTEM_CMAKE)
  execute_process(COMMAND "${SYSTEM_CMAKE}" --version OUTPUT_VARIABLE system_cmake_version)
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" system_cmake_version "${system_cmake_version}")
  set(CONSUMER_CMAKE "${SYSTEM_CMAKE}")
  build_and_run(header "${HEADER_CXX}" "sse2")
  if(MODULE_CXX AND system_cmake_version VERSION_LESS 3.28 AND NOT last_configure_output MATCHES "CMake ${system_cmake_version} cannot build modules")
    message(FATAL_ERROR "CMake ${system_cmake_version} used a package with the module without saying that precast::module is not available to it:\n${last_configure_output}")
  endif()
  unset(CONSUMER_CMAKE)
else()
  message(STATUS "consumer with the system CMake skipped: no SYSTEM_CMAKE")
endif()

set(arch_args "-DPRECAST_ARCH=${PRECAST_ARCH}")
if(MODULE_CXX AND EXISTS /usr/lib/llvm-19/include/c++/v1)
  # libc++ instead of libstdc++: the same weights from the same seed.
  build_and_run(header "${MODULE_CXX}" ".+" ${arch_args} -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++)
endif()
if(MODULE_CXX)
  # One installed package (built for PRECAST_ARCH), two importers: the compiler's default (SSE2) and x86-64-v3.
  # Each must link: the kernels an importer runs are compiled with its own flags. The first is also a project
  # written for CMake 3.25 (CMP0155 OLD) with the compiler's default -std=gnu++20; the second turns extensions off
  # (-std=c++20): the BMI follows the consumer. (Each importer compiles the module again: a third, for
  # -march=native, cost 28 s and tested nothing these two do not.)
  build_and_run(module "${MODULE_CXX}" "sse2" -DCONSUMER_OLD_POLICIES=ON)
  if(NOT last_configure_output MATCHES "precast turned scanning on for 'consumer'")
    message(FATAL_ERROR "a CMake 3.25-style project that imports precast was not told about CMP0155:\n${last_configure_output}")
  endif()
  build_and_run(module "${MODULE_CXX}" "fma3\\+avx2" -DPRECAST_ARCH=x86-64-v3 -DCMAKE_CXX_EXTENSIONS=OFF)
else()
  message(STATUS "module consumer skipped: this precast build has no module")
endif()

# A SIMD flag in CMAKE_CXX_FLAGS that competes with PRECAST_ARCH must stop the configure with a clear message.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${PRECAST_WORK_DIR}/conflict" -G Ninja
          "-DCMAKE_CXX_COMPILER=${HEADER_CXX}" "-DCMAKE_PREFIX_PATH=${prefix}" -DPRECAST_ARCH=x86-64-v3 "-DCMAKE_CXX_FLAGS=-O2 -march=native"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "a consumer with -march=native in CMAKE_CXX_FLAGS and PRECAST_ARCH=x86-64-v3 configured without error")
endif()
string(REPLACE "\n" " " err_flat "${err}")
string(REGEX REPLACE " +" " " err_flat "${err_flat}")
if(NOT err_flat MATCHES "CMAKE_CXX_FLAGS contains '-march=native' while PRECAST_ARCH is 'x86-64-v3'")
  message(FATAL_ERROR "the SIMD conflict was refused, but without the expected message:\n${err}")
endif()
message(STATUS "conflicting SIMD flags: refused with a clear message")
