// PNG reading and writing with libpng's classic API. libpng reports errors by
// longjmp, so every libpng call that can fail runs inside read_pixels /
// write_pixels, whose frames hold no C++ objects that need destruction; the
// callers own the FILE and libpng structs (RAII) and turn failures into
// exceptions that name the file.
#include "core/io/png_image.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <utility>

#include "core/base/error.h"
#include "core/io/atomic_file.h"

namespace dap {
namespace {

// Filled by on_png_error before it jumps back; plain storage, no allocation
// while libpng is unwinding.
struct PngErrorText {
  char text[256] = "unknown libpng error";
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* error = static_cast<PngErrorText*>(png_get_error_ptr(png));
  std::snprintf(error->text, sizeof error->text, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // e.g. a bad iCCP profile: not our concern

struct FileCloser {
  void operator()(std::FILE* file) const {
    if (file) std::fclose(file);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct PngReadStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngReadStructs() { png_destroy_read_struct(&png, &info, nullptr); }
};

struct PngWriteStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngWriteStructs() { png_destroy_write_struct(&png, &info); }
};

bool read_pixels(png_structp png, png_infop info, std::FILE* file, RgbImage* image) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, file);
  png_read_info(png, info);
  const int color = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  // Whatever the file holds, ask libpng for 8-bit RGB.
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if ((color & PNG_COLOR_MASK_COLOR) == 0) {
    if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
  }
  if (depth == 16) png_set_scale_16(png);
  if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);

  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (png_get_rowbytes(png, info) != size_t{width} * 3) png_error(png, "row size is not width * 3 after conversion");
  image->width = static_cast<int>(width);
  image->height = static_cast<int>(height);
  image->pixels.resize(size_t{width} * height * 3);
  for (int pass = 0; pass < passes; ++pass)
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, image->pixels.data() + size_t{y} * width * 3, nullptr);
  png_read_end(png, nullptr);
  return true;
}

// The destination (a FILE or memory) is set up by the caller.
bool write_pixels(png_structp png, png_infop info, const RgbImage& image) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, image.width, image.height, /*bit_depth=*/8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y) png_write_row(png, image.pixels.data() + size_t(y) * image.width * 3);
  png_write_end(png, nullptr);
  return true;
}

// The bytes of a PNG written to memory; no exception may cross libpng's C frames.
struct PngBytes {
  std::vector<uint8_t> bytes;
  bool failed = false;
};

void append_png_bytes(png_structp png, png_bytep data, png_size_t size) {
  auto* out = static_cast<PngBytes*>(png_get_io_ptr(png));
  try {
    out->bytes.insert(out->bytes.end(), data, data + size);
  } catch (...) {
    out->failed = true;
  }
}

void check_size(const std::string& what, const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
    throw Error(what + ": image of " + std::to_string(image.width) + "x" + std::to_string(image.height) + " has " +
                std::to_string(image.pixels.size()) + " bytes, expected width * height * 3");
}

}  // namespace

RgbImage read_png(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) throw InputError("cannot open PNG file " + path);
  png_byte signature[8] = {};
  if (std::fread(signature, 1, sizeof signature, file.get()) != sizeof signature ||
      png_sig_cmp(signature, 0, sizeof signature) != 0)
    throw InputError(path + ": not a PNG file");

  PngErrorText error;
  PngReadStructs structs;
  structs.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, on_png_error, on_png_warning);
  if (structs.png) structs.info = png_create_info_struct(structs.png);
  if (!structs.info) throw InputError(path + ": libpng could not allocate its read structures");
  png_set_sig_bytes(structs.png, sizeof signature);

  RgbImage image;
  if (!read_pixels(structs.png, structs.info, file.get(), &image))
    throw InputError(path + ": cannot read PNG: " + error.text);
  return image;
}

void write_png(const std::string& path, const RgbImage& image) {
  check_size("write_png " + path, image);
  // Under a temporary name, renamed once complete: never a truncated PNG, and a full disk is told apart.
  write_named_file_atomically(path, [&](const std::string& temporary) {
    FilePtr file(std::fopen(temporary.c_str(), "wb"));
    if (!file) throw Error("cannot create PNG file " + temporary);
    PngErrorText error;
    bool written = false;
    {
      PngWriteStructs structs;
      structs.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, on_png_error, on_png_warning);
      if (structs.png) structs.info = png_create_info_struct(structs.png);
      if (structs.info) {
        png_init_io(structs.png, file.get());
        written = write_pixels(structs.png, structs.info, image);
      }
    }
    // fclose flushes: a full disk shows up here, not in libpng.
    const bool closed = std::fclose(file.release()) == 0;
    if (!written || !closed) {
      throw Error("cannot write PNG file " + path + ": " + (written ? "write error on close" : error.text));
    }
  });
}

std::vector<uint8_t> encode_png(const RgbImage& image) {
  check_size("encode_png", image);
  PngErrorText error;
  PngBytes out;
  bool written = false;
  {
    PngWriteStructs structs;
    structs.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, on_png_error, on_png_warning);
    if (structs.png) structs.info = png_create_info_struct(structs.png);
    if (structs.info) {
      png_set_write_fn(structs.png, &out, append_png_bytes, nullptr);
      written = write_pixels(structs.png, structs.info, image);
    }
  }
  if (!written || out.failed) throw Error(std::string("cannot encode PNG: ") + (written ? "out of memory" : error.text));
  return std::move(out.bytes);
}

}  // namespace dap
