// PRECAST_EXPORT marks a declaration that the module `precast` exports. It expands to nothing: the headers stay
// ordinary headers (their entities attach to the global module, so a program may #include precast in one file and
// import it in another), and the build writes the module's export list from the marks (cmake/precastModuleExports.cmake).
// A new public name needs its mark and nothing else.
#pragma once

#ifndef PRECAST_EXPORT
#define PRECAST_EXPORT
#endif
