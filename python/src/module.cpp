// The _advlab extension module: one init function per area (bindings.h).
#include "bindings.h"

PYBIND11_MODULE(_advlab, m) {
  m.doc() = "advlab C++ core (use the `advlab` package, not this module)";
  m.attr("__version__") = ADVLAB_VERSION;
  advlab::python::bind_errors(m);
  advlab::python::bind_registry(m);
  advlab::python::bind_attack(m);
  advlab::python::bind_evaluate(m);
}
