# The README shows examples/readme_example.cpp verbatim; fail when they drift apart.
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "${example}" position)
if(position EQUAL -1)
  message(FATAL_ERROR "README.md no longer contains examples/readme_example.cpp verbatim; copy the file into the README's first code block")
endif()
