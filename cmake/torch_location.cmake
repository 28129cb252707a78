# Which LibTorch advlab builds against.
#   default                       Debian's libtorch-dev (1.13), the README's build
#   -DADVLAB_TORCH_PYTHON=PYTHON  the LibTorch inside that Python's `torch` wheel
#   -DCMAKE_PREFIX_PATH=DIR or -DTorch_DIR=DIR   any other LibTorch
# Included before find_package(Torch); torch_location_done() after it.

set(ADVLAB_TORCH_PYTHON "" CACHE FILEPATH
    "Build against the LibTorch of this Python's torch package (default: Debian's libtorch-dev)")

if(ADVLAB_TORCH_PYTHON)
  # PYTHONPATH unset: pip's isolated build environment hides the environment's own
  # site-packages through it, and torch is deliberately not a build requirement (the
  # extension must match the torch the user runs).
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env --unset=PYTHONPATH ${ADVLAB_TORCH_PYTHON} -c
            "import torch.utils; print(torch.utils.cmake_prefix_path)"
    OUTPUT_VARIABLE _advlab_torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_VARIABLE _advlab_torch_error RESULT_VARIABLE _advlab_torch_rc)
  if(NOT _advlab_torch_rc EQUAL 0)
    message(FATAL_ERROR "ADVLAB_TORCH_PYTHON=${ADVLAB_TORCH_PYTHON} cannot import torch "
                        "(pip install torch first): ${_advlab_torch_error}")
  endif()
  list(PREPEND CMAKE_PREFIX_PATH ${_advlab_torch_prefix})
  set(Torch_DIR ${_advlab_torch_prefix}/Torch CACHE PATH "" FORCE)
endif()

# TorchConfig's find_library() calls search the system directories before the LibTorch's
# own lib/, so with Debian's libtorch installed a wheel's headers would be linked with
# Debian's libc10.so. Its own lib/ goes first (CMAKE_LIBRARY_PATH precedes system paths).
set(_advlab_saved_library_path ${CMAKE_LIBRARY_PATH})
set(_advlab_torch_configs)
if(Torch_DIR)
  list(APPEND _advlab_torch_configs ${Torch_DIR})
endif()
foreach(_dir IN LISTS CMAKE_PREFIX_PATH)
  list(APPEND _advlab_torch_configs ${_dir}/Torch ${_dir}/share/cmake/Torch)
endforeach()
foreach(_dir IN LISTS _advlab_torch_configs)
  if(EXISTS ${_dir}/TorchConfig.cmake)
    get_filename_component(_advlab_torch_lib ${_dir}/../../../lib ABSOLUTE)
    list(PREPEND CMAKE_LIBRARY_PATH ${_advlab_torch_lib})
    break()
  endif()
endforeach()

# Debian's libtorch-dev ships its CMake config under the multiarch lib dir; searched last.
list(APPEND CMAKE_PREFIX_PATH /usr/lib/x86_64-linux-gnu/cmake)

macro(torch_location_done)
  set(CMAKE_LIBRARY_PATH ${_advlab_saved_library_path})
  # A wheel's libtorch_cuda finds its NCCL, cuDNN, ... beside it (its RPATH), but the
  # linker would take an older libnccl from the CUDA toolkit's lib/ first (the -rpath of
  # the CUDA runtime it links): point it at the wheel's own.
  file(GLOB _advlab_wheel_libs LIST_DIRECTORIES true ${TORCH_INSTALL_PREFIX}/../nvidia/*/lib)
  if(_advlab_wheel_libs)
    list(JOIN _advlab_wheel_libs ":" _advlab_wheel_libs)
    add_link_options("LINKER:-rpath-link,${_advlab_wheel_libs}")
  endif()
  message(STATUS "advlab: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
endmacro()
