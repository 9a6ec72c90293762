# Runs an MPI job that must fail: a non-zero exit, within TIMEOUT seconds (not a hang), with EXPECT and EXPECT_ALSO
# in its output.
#   cmake -DMPIEXEC=mpirun "-DMPIEXEC_FLAGS=a;b" -DNP=3 -DPROGRAM=... -DMODE=--fail-in-training -DEXPECT=... -DEXPECT_ALSO=...
#         -DTIMEOUT=60 -P expect_job_failure.cmake
set(_flags ${MPIEXEC_FLAGS})
string(TIMESTAMP _start "%s")
execute_process(COMMAND "${MPIEXEC}" -np "${NP}" ${_flags} "${PROGRAM}" "${MODE}"
                RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err TIMEOUT "${TIMEOUT}")
string(TIMESTAMP _end "%s")
math(EXPR _seconds "${_end} - ${_start}")
message(STATUS "exit: ${_result} after ${_seconds} s\n${_out}${_err}")
if(_result MATCHES "timeout|Process terminated")
  message(FATAL_ERROR "the job did not end within ${TIMEOUT} s: a failing process left the others waiting")
endif()
if(_result EQUAL 0)
  message(FATAL_ERROR "the job exited with 0; a failure on one process must end it with a non-zero exit")
endif()
foreach(_expected IN ITEMS "${EXPECT}" "${EXPECT_ALSO}")
  string(FIND "${_out}${_err}" "${_expected}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "the output does not say \"${_expected}\"")
  endif()
endforeach()
