#pragma once
// The pieces of the _advlab extension module, one area per file. Every entry point takes
// the GIL off while the C++ core runs and maps advlab::Error to advlab.AdvlabError.
#include <torch/extension.h>

namespace advlab::python {

namespace py = pybind11;

void bind_errors(py::module_& m);    // errors.cpp
void bind_registry(py::module_& m);  // registry_binding.cpp
void bind_attack(py::module_& m);    // attack_binding.cpp
void bind_evaluate(py::module_& m);  // evaluate_binding.cpp

}  // namespace advlab::python
