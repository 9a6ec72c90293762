# Builds TARGET, which must fail; the first line of compiler output containing "error:" must match the regex
# on the first line of SOURCE ("// expected-error: <regex>"). Prints that line either way.
file(STRINGS "${SOURCE}" first_line LIMIT_COUNT 1)
string(REGEX REPLACE "^// expected-error: " "" expected "${first_line}")
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but it must not")
endif()
string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${out}\n${err}")
message(STATUS "first error: ${first_error}")
if(NOT first_error MATCHES "${expected}")
  message(FATAL_ERROR "the first error does not match '${expected}'")
endif()
