#include "error_lines.h"

#include "advlab/core/torch_error_line.h"

namespace advlab::cli {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string explain_torch_error(const std::string& what) {
  std::string cause = first_line(torch_error_line(what));
  // Raised by autograd when a white-box attack asks for the gradient of an output that
  // is detached from the input (a model computed under no_grad, or with .detach()).
  if (cause.find("does not require grad") != std::string::npos)
    return "the model's output has no gradient with respect to its input (" + cause +
           "): white-box attacks need a differentiable model; use a black-box attack such as square, simba or "
           "hsja instead";
  return cause;
}

}  // namespace advlab::cli
