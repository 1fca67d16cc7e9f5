# Optional NCCL backend of the gradient all-reduce (src/core/dist/sum_allreduce.h).
# DAP_WITH_NCCL: AUTO (default; use NCCL when nccl.h, libnccl and the CUDA runtime
# are found), ON (required) or OFF. Defines dap_comm, the target that users of
# sum_allreduce.h link: dap_core + dap_nccl (DAP_HAVE_NCCL=1) when NCCL is used,
# dap_core + dap_nccl_stub otherwise. CUDA include directories stay private to
# dap_nccl; dap_cudart carries them for code that calls the CUDA runtime itself.

set(DAP_WITH_NCCL AUTO CACHE STRING "NCCL all-reduce backend: AUTO (if found), ON (required) or OFF")
set_property(CACHE DAP_WITH_NCCL PROPERTY STRINGS AUTO ON OFF)
set(DAP_NCCL_ROOT "" CACHE PATH "NCCL install prefix (include/nccl.h, lib/libnccl.so); searched first")

string(TOUPPER "${DAP_WITH_NCCL}" _dap_nccl_mode)
set(_dap_nccl_required FALSE)
if(_dap_nccl_mode STREQUAL "AUTO")
  set(_dap_nccl_wanted TRUE)
elseif(DAP_WITH_NCCL)
  set(_dap_nccl_wanted TRUE)
  set(_dap_nccl_required TRUE)
else()
  set(_dap_nccl_wanted FALSE)
endif()

set(DAP_NCCL_FOUND FALSE)
set(_dap_nccl_why "")
if(_dap_nccl_wanted)
  # The CUDA runtime: CMake's CUDAToolkit module (finds nvcc, or /usr/local/cuda),
  # else a plain search, which also covers a runtime without nvcc.
  find_package(CUDAToolkit QUIET)
  set(_dap_cuda_hints ${CUDAToolkit_ROOT} $ENV{CUDAToolkit_ROOT} $ENV{CUDA_HOME} $ENV{CUDA_PATH} /usr/local/cuda)
  set(_dap_cudart_target "")
  if(TARGET CUDA::cudart)
    set(_dap_cudart_target CUDA::cudart)
    set(_dap_cudart_where "${CUDA_cudart_LIBRARY}")
  else()
    find_path(DAP_CUDART_INCLUDE_DIR cuda_runtime.h HINTS ${_dap_cuda_hints}
      PATH_SUFFIXES include targets/x86_64-linux/include)
    find_library(DAP_CUDART_LIBRARY NAMES cudart libcudart.so.13 libcudart.so.12 HINTS ${_dap_cuda_hints}
      PATH_SUFFIXES lib64 lib targets/x86_64-linux/lib)
    if(DAP_CUDART_INCLUDE_DIR AND DAP_CUDART_LIBRARY)
      add_library(DapCuda::cudart UNKNOWN IMPORTED GLOBAL)
      set_target_properties(DapCuda::cudart PROPERTIES
        IMPORTED_LOCATION "${DAP_CUDART_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${DAP_CUDART_INCLUDE_DIR}")
      set(_dap_cudart_target DapCuda::cudart)
      set(_dap_cudart_where "${DAP_CUDART_LIBRARY}")
    endif()
  endif()

  # NCCL: DAP_NCCL_ROOT, NCCL_ROOT/NCCL_HOME, the CUDA toolkit, /usr/local/cuda,
  # then the nvidia-nccl Python wheel (which ships only libnccl.so.2).
  set(_dap_nccl_hints ${DAP_NCCL_ROOT} $ENV{NCCL_ROOT} $ENV{NCCL_HOME} ${CUDAToolkit_INCLUDE_DIRS}
    ${CUDAToolkit_LIBRARY_DIR} ${_dap_cuda_hints})
  find_path(DAP_NCCL_INCLUDE_DIR nccl.h HINTS ${_dap_nccl_hints} PATH_SUFFIXES include)
  find_library(DAP_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${_dap_nccl_hints} PATH_SUFFIXES lib64 lib)
  if(NOT DAP_NCCL_INCLUDE_DIR OR NOT DAP_NCCL_LIBRARY)
    find_program(DAP_PYTHON3 python3)
    if(DAP_PYTHON3)
      execute_process(COMMAND ${DAP_PYTHON3} -c "import nvidia.nccl as m; print(list(m.__path__)[0])"
        OUTPUT_VARIABLE _dap_nccl_wheel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      if(_dap_nccl_wheel)
        find_path(DAP_NCCL_INCLUDE_DIR nccl.h HINTS ${_dap_nccl_wheel} PATH_SUFFIXES include)
        find_library(DAP_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${_dap_nccl_wheel} PATH_SUFFIXES lib)
      endif()
    endif()
  endif()

  if(NOT _dap_cudart_target)
    set(_dap_nccl_why "CUDA runtime (cuda_runtime.h, libcudart) not found; set CUDAToolkit_ROOT")
  elseif(NOT DAP_NCCL_INCLUDE_DIR OR NOT DAP_NCCL_LIBRARY)
    set(_dap_nccl_why "nccl.h or libnccl not found; set DAP_NCCL_ROOT")
  else()
    set(DAP_NCCL_FOUND TRUE)
    file(STRINGS "${DAP_NCCL_INCLUDE_DIR}/nccl.h" _dap_nccl_version_lines
      REGEX "^#define NCCL_(MAJOR|MINOR|PATCH) +[0-9]+")
    set(DAP_NCCL_VERSION "")
    foreach(_part MAJOR MINOR PATCH)
      string(REGEX MATCH "NCCL_${_part} +([0-9]+)" _match "${_dap_nccl_version_lines}")
      list(APPEND DAP_NCCL_VERSION "${CMAKE_MATCH_1}")
    endforeach()
    list(JOIN DAP_NCCL_VERSION "." DAP_NCCL_VERSION)
  endif()
  if(NOT DAP_NCCL_FOUND AND _dap_nccl_required)
    message(FATAL_ERROR "dap: DAP_WITH_NCCL=${DAP_WITH_NCCL} but ${_dap_nccl_why}")
  endif()
else()
  set(_dap_nccl_why "DAP_WITH_NCCL=${DAP_WITH_NCCL}")
endif()

add_library(dap_comm INTERFACE)
if(DAP_NCCL_FOUND)
  message(STATUS "dap: NCCL all-reduce backend ON: NCCL ${DAP_NCCL_VERSION} "
    "(${DAP_NCCL_INCLUDE_DIR}/nccl.h, ${DAP_NCCL_LIBRARY}), CUDA runtime ${_dap_cudart_where}")
  add_library(dap_cudart INTERFACE)
  target_link_libraries(dap_cudart INTERFACE ${_dap_cudart_target})
  add_library(dap_nccl STATIC ${CMAKE_SOURCE_DIR}/src/core/nccl/nccl_sum_allreduce.cpp)
  target_include_directories(dap_nccl SYSTEM PRIVATE ${DAP_NCCL_INCLUDE_DIR})
  target_link_libraries(dap_nccl PUBLIC dap_core PRIVATE dap_cudart ${DAP_NCCL_LIBRARY})
  target_compile_definitions(dap_nccl PUBLIC DAP_HAVE_NCCL=1)
  target_link_libraries(dap_comm INTERFACE dap_core dap_nccl)
else()
  message(STATUS "dap: NCCL all-reduce backend OFF (${_dap_nccl_why}); MPI only")
  add_library(dap_nccl_stub STATIC ${CMAKE_SOURCE_DIR}/src/core/nccl/nccl_stub.cpp)
  target_link_libraries(dap_nccl_stub PUBLIC dap_core)
  target_link_libraries(dap_comm INTERFACE dap_core dap_nccl_stub)
endif()
