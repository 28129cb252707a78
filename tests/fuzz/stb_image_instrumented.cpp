// The fuzz targets compile stb_image from Debian's header instead of calling libstb.so,
// so its decoders carry coverage instrumentation and AddressSanitizer checks; the
// definitions here take precedence over the shared library's for the whole program.
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
