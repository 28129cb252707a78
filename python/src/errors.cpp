// advlab::Error -> advlab.AdvlabError (a ValueError) and torch's errors -> RuntimeError,
// each with the one line the command line prints after "advlab: error: ".
#include "../../tools/advlab/error_lines.h"
#include "advlab/core/error.h"
#include "bindings.h"

namespace advlab::python {

void bind_errors(py::module_& m) {
  static py::handle error_type =
      py::exception<advlab::Error>(m, "AdvlabError", PyExc_ValueError).release();
  // Local: only this module's functions; torch's own translators stay as they are.
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const advlab::Error& e) {
      PyErr_SetString(error_type.ptr(), cli::first_line(e.what()).c_str());
    } catch (const c10::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, cli::explain_torch_error(e.what_without_backtrace()).c_str());
    } catch (const py::error_already_set&) {
      throw;
    } catch (const py::builtin_exception&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {  // torch::jit::JITException, raised by a model
      PyErr_SetString(PyExc_RuntimeError, cli::explain_torch_error(e.what()).c_str());
    }
  });
}

}  // namespace advlab::python
