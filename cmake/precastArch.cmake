# The SIMD target is one choice for precast and every file that uses it (headers and the module's BMI alike).
# Included by precast's own build and by the installed precastConfig.cmake.
include_guard(GLOBAL)

set(PRECAST_ARCH_CHOICES native x86-64 x86-64-v2 x86-64-v3 x86-64-v4 default)

# Checks PRECAST_ARCH and that the compiler flags set no competing target; stops the configure otherwise.
function(precast_check_arch arch)
  if(NOT arch IN_LIST PRECAST_ARCH_CHOICES)
    message(FATAL_ERROR
      "precast: PRECAST_ARCH is '${arch}', which is not one of: ${PRECAST_ARCH_CHOICES}. "
      "Use native for this machine only, x86-64-v3 (AVX2+FMA) for portable packages, or default to add no flag.")
  endif()
  if(arch STREQUAL "default")
    return()  # the compiler flags alone decide, for precast and its importers alike
  endif()
  string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
  foreach(flags_var IN ITEMS CMAKE_CXX_FLAGS CMAKE_CXX_FLAGS_${build_type})
    if("${${flags_var}}" MATCHES "(^| )(-march=[^ ]+|-m(sse|avx|fma)[^ ]*)")
      message(FATAL_ERROR
        "precast: ${flags_var} contains '${CMAKE_MATCH_2}' while PRECAST_ARCH is '${arch}'. "
        "precast and every file that uses it must be compiled for one SIMD target, or a module and its importers "
        "would disagree on the vector width. Choose it once: remove '${CMAKE_MATCH_2}' from ${flags_var} and pass "
        "-DPRECAST_ARCH=<${PRECAST_ARCH_CHOICES}>, or pass -DPRECAST_ARCH=default to leave it to ${flags_var}.")
    endif()
  endforeach()
endfunction()

# The compile options for a PRECAST_ARCH value (empty for default).
function(precast_arch_options arch out_var)
  set(options "")
  if(NOT arch STREQUAL "default")
    list(APPEND options "-march=${arch}")
    if(arch STREQUAL "native")
      # clang 19 misreads some AVX-512 CPUs' AVX10 bits under -march=native and warns on every file.
      list(APPEND options "$<$<CXX_COMPILER_ID:Clang>:-Wno-invalid-feature-combination>")
    endif()
  endif()
  set(${out_var} "${options}" PARENT_SCOPE)
endfunction()

# Adds the target flag as a usage requirement, so everything that links precast compiles for the same target.
function(precast_apply_arch target arch)
  precast_check_arch("${arch}")
  precast_arch_options("${arch}" options)
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_COMPILE_OPTIONS ${options})
endfunction()

# What the compiler generates for: the instruction set precast's kernels use and the register width, from the
# compiler's own predefined macros under this project's flags plus PRECAST_ARCH (names as simd_arch_name() gives).
function(precast_describe_arch arch out_var)
  precast_arch_options("${arch}" options)
  list(FILTER options EXCLUDE REGEX "^\\$<")  # generator expressions: warnings only
  string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
  separate_arguments(flags UNIX_COMMAND "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${build_type}}")
  list(FILTER flags EXCLUDE REGEX "^-(fsanitize|g|O|W)")
  set(empty "${CMAKE_BINARY_DIR}/CMakeFiles/precast_arch_probe.cpp")
  file(WRITE "${empty}" "")
  execute_process(COMMAND "${CMAKE_CXX_COMPILER}" ${flags} ${options} -dM -E "${empty}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE macros ERROR_QUIET)
  if(NOT rc EQUAL 0)
    set(${out_var} "unknown (the compiler did not list its macros)" PARENT_SCOPE)
    return()
  endif()
  if(macros MATCHES "__AVX512BW__" AND macros MATCHES "__AVX512DQ__")
    set(description "avx512bw, 512-bit registers")
  elseif(macros MATCHES "__AVX2__" AND macros MATCHES "__FMA__")
    set(description "fma3+avx2, 256-bit registers")
  elseif(macros MATCHES "__AVX2__")
    set(description "avx2, 256-bit registers")
  elseif(macros MATCHES "__AVX__")
    set(description "avx, 256-bit registers")
  elseif(macros MATCHES "__SSE4_2__")
    set(description "sse4.2, 128-bit registers")
  elseif(macros MATCHES "__SSE2__")
    set(description "sse2, 128-bit registers")
  elseif(macros MATCHES "__ARM_NEON")
    set(description "neon, 128-bit registers")
  else()
    set(description "scalar (no SIMD instruction set xsimd knows)")
  endif()
  set(${out_var} "${description}" PARENT_SCOPE)
endfunction()
