# ctest driver: install precast from its build tree into a fresh prefix, then configure, build and run the
# consumer project against it: with #include (HEADER_CXX, g++-12) and, if the build has the module, with
# `import precast;` (MODULE_CXX, clang++-19). Also checks that a conflicting SIMD flag is a configure error.
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
endfunction()

run("${CMAKE_COMMAND}" --install "${PRECAST_BUILD_DIR}" --prefix "${prefix}")
message(STATUS "installed precast into ${prefix}")

function(build_and_run mode cxx)
  string(MD5 variant "${cxx} ${ARGN}")
  string(SUBSTRING "${variant}" 0 8 variant)
  set(build "${PRECAST_WORK_DIR}/${mode}-${variant}")
  run("${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${build}" -G Ninja -DCMAKE_BUILD_TYPE=Release
      "-DCMAKE_CXX_COMPILER=${cxx}" "-DCMAKE_PREFIX_PATH=${prefix}" "-DCONSUMER_MODE=${mode}" "-DPRECAST_ARCH=${PRECAST_ARCH}" ${ARGN})
  run("${CMAKE_COMMAND}" --build "${build}")
  run("${build}/consumer")
  if(NOT last_output MATCHES "dot=100")
    message(FATAL_ERROR "${mode} consumer printed an unexpected result: ${last_output}")
  endif()
  message(STATUS "${mode} consumer (${cxx} ${ARGN}): ${last_output}")
  # Every build must derive the same weights from the same seed.
  string(REGEX MATCH "weights=[0-9a-f]+" weights "${last_output}")
  if(NOT weights)
    message(FATAL_ERROR "${mode} consumer printed no weights fingerprint")
  endif()
  if(DEFINED first_weights AND NOT weights STREQUAL first_weights)
    message(FATAL_ERROR "seeded weights differ between builds: ${first_weights} vs ${weights} (${cxx} ${ARGN})")
  endif()
  set(first_weights "${weights}" PARENT_SCOPE)
endfunction()

build_and_run(header "${HEADER_CXX}")
if(MODULE_CXX AND EXISTS /usr/lib/llvm-19/include/c++/v1)
  # libc++ instead of libstdc++: the same weights from the same seed.
  build_and_run(header "${MODULE_CXX}" -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++)
endif()
if(MODULE_CXX)
  # With the compiler's default (-std=gnu++20) and with extensions off (-std=c++20): the BMI follows the consumer.
  build_and_run(module "${MODULE_CXX}")
  build_and_run(module "${MODULE_CXX}" -DCMAKE_CXX_EXTENSIONS=OFF)
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
