#include "core/video/libav_handles.h"

#include "core/base/error.h"

namespace dap::av {

std::string error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof(text));
  return text;
}

int check(int code, const char* call, const std::string& file) {
  if (code < 0) throw InputError(std::string(call) + " failed for '" + file + "': " + error_text(code));
  return code;
}

}  // namespace dap::av
