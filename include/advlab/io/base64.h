#pragma once
#include <string>

namespace advlab::io {

// Standard base64 (RFC 4648, with '=' padding), as data: URIs require.
std::string base64_encode(const std::string& bytes);

}  // namespace advlab::io
