# Run by the `docs` target before Doxygen (cmake -DINCLUDE_DIR=<include/> -P this file).
# Doxygen reports the undocumented functions, types and macros of a header only when the
# header itself is documented: a public header without a /** @file ... */ comment would be
# skipped silently, its undocumented API included. So every header under include/ needs one.
file(GLOB_RECURSE headers "${INCLUDE_DIR}/*.h")
set(missing "")
foreach(h IN LISTS headers)
  file(READ "${h}" text)
  if(NOT text MATCHES "/\\*\\*[ \t\r\n]*@file")
    list(APPEND missing "${h}")
  endif()
endforeach()
if(missing)
  list(JOIN missing "\n  " lines)
  message(FATAL_ERROR "public headers without a /** @file ... */ comment (Doxygen would "
                      "not report their undocumented declarations):\n  ${lines}")
endif()
