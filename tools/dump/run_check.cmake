# Runs one tern-dump command for CTest and checks it (cmake -P):
#   -DCMD=<tern-dump> -DARGS=<args separated by |> -DDIR=<working directory>
#   -DCODES=<accepted exit codes separated by |>
#   [-DEXPECT=<golden file>]  stdout must equal it; with the environment
#                             variable TERN_UPDATE_GOLDEN=1 it is rewritten.
string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "|" ";" codes "${CODES}")
execute_process(COMMAND ${CMD} ${args} WORKING_DIRECTORY ${DIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
list(FIND codes "${rc}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "exit status ${rc}, expected one of ${codes}\nstderr:\n${err}")
endif()
if(EXPECT)
  if("$ENV{TERN_UPDATE_GOLDEN}" STREQUAL "1")
    file(WRITE ${EXPECT} "${out}")
    message(STATUS "rewrote ${EXPECT}")
  else()
    file(READ ${EXPECT} want)
    if(NOT out STREQUAL want)
      get_filename_component(name ${EXPECT} NAME)
      set(actual ${CMAKE_CURRENT_BINARY_DIR}/${name}.actual)
      file(WRITE ${actual} "${out}")
      execute_process(COMMAND diff -u ${EXPECT} ${actual} OUTPUT_VARIABLE d)
      message(FATAL_ERROR "output differs from ${EXPECT} (actual: ${actual}):\n${d}")
    endif()
  endif()
endif()
