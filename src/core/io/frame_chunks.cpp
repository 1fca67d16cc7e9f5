#include "core/io/frame_chunks.h"

#include <libdeflate.h>

#include <cstring>
#include <memory>
#include <vector>

#include "core/base/error.h"

namespace dap {

namespace {

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// One decompressor and one chunk buffer per thread: loader threads never share them.
libdeflate_decompressor& thread_decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  if (!decompressor) throw Error("libdeflate: out of memory for a decompressor");
  return *decompressor;
}

std::vector<uint8_t>& thread_chunk_buffer() {
  thread_local std::vector<uint8_t> buffer;
  return buffer;
}

}  // namespace

FrameChunks::FrameChunks(hid_t file, const std::string& name, int height, int width, const std::string& where,
                         bool allow_direct)
    : what_(name + " of " + where),
      height_(height),
      width_(width),
      frame_bytes_(static_cast<size_t>(height) * width * 3) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) throw Error("no dataset '" + name + "' in '" + where + "'");
  dataset_ = h5::check_id(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2 " + what_);
  if (!allow_direct) return;
  // Direct reads only for the writer's layout: 1-byte elements, chunks of one
  // whole frame, no filter but deflate and shuffle (a no-op on 1-byte elements).
  h5::Handle type = h5::check_id(H5Dget_type(dataset_.get()), "H5Dget_type " + what_);
  h5::Handle properties = h5::check_id(H5Dget_create_plist(dataset_.get()), "H5Dget_create_plist " + what_);
  if (H5Tget_size(type.get()) != 1 || H5Pget_layout(properties.get()) != H5D_CHUNKED) return;
  hsize_t chunk[4] = {0, 0, 0, 0};
  if (H5Pget_chunk(properties.get(), 4, chunk) != 4 || chunk[0] != 1 || chunk[1] != static_cast<hsize_t>(height) ||
      chunk[2] != static_cast<hsize_t>(width) || chunk[3] != 3) {
    return;
  }
  const int filters = H5Pget_nfilters(properties.get());
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0, config = 0;
    size_t values = 0;
    const H5Z_filter_t filter = H5Pget_filter2(properties.get(), static_cast<unsigned>(i), &flags, &values, nullptr,
                                               0, nullptr, &config);
    if (filter == H5Z_FILTER_DEFLATE) {
      deflate_filter_ = i;
    } else if (filter != H5Z_FILTER_SHUFFLE) {
      return;
    }
  }
  direct_ = true;
}

void FrameChunks::read(int64_t first, int64_t count, uint8_t* out) const {
  if (!direct_) return read_through_library(first, count, out);
  for (int64_t i = 0; i < count; ++i) read_direct(first + i, out + static_cast<size_t>(i) * frame_bytes_);
}

void FrameChunks::read_direct(int64_t frame, uint8_t* out) const {
  const hsize_t offset[4] = {static_cast<hsize_t>(frame), 0, 0, 0};
  hsize_t stored = 0;
  h5::check(H5Dget_chunk_storage_size(dataset_.get(), offset, &stored), "H5Dget_chunk_storage_size " + what_);
  if (stored == 0) return read_through_library(frame, 1, out);  // never written: the fill value
  std::vector<uint8_t>& chunk = thread_chunk_buffer();
  chunk.resize(stored);
  uint32_t skipped = 0;  // bit i: filter i was not applied to this chunk
  h5::check(H5Dread_chunk(dataset_.get(), H5P_DEFAULT, offset, &skipped, chunk.data()),
            "H5Dread_chunk frame " + std::to_string(frame) + " of " + what_);
  // HDF5's lock is released here: the inflation below runs in parallel across threads.
  const bool deflated = deflate_filter_ >= 0 && !(skipped & (1u << deflate_filter_));
  if (!deflated) {
    if (stored != frame_bytes_) {
      throw Error("frame " + std::to_string(frame) + " of " + what_ + ": stored chunk has " + std::to_string(stored) +
                  " bytes, a frame " + std::to_string(frame_bytes_));
    }
    std::memcpy(out, chunk.data(), frame_bytes_);
    return;
  }
  size_t produced = 0;
  const libdeflate_result result =
      libdeflate_zlib_decompress(&thread_decompressor(), chunk.data(), stored, out, frame_bytes_, &produced);
  if (result != LIBDEFLATE_SUCCESS || produced != frame_bytes_) {
    throw Error("frame " + std::to_string(frame) + " of " + what_ + " is corrupt (its compressed chunk does not " +
                "inflate to " + std::to_string(frame_bytes_) + " bytes)");
  }
}

void FrameChunks::read_through_library(int64_t first, int64_t count, uint8_t* out) const {
  const hsize_t h = height_, w = width_;
  h5::Handle file_space = h5::check_id(H5Dget_space(dataset_.get()), "H5Dget_space " + what_);
  hsize_t offset[4] = {static_cast<hsize_t>(first), 0, 0, 0};
  hsize_t block[4] = {static_cast<hsize_t>(count), h, w, 3};
  h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset, nullptr, block, nullptr),
            "H5Sselect_hyperslab " + what_);
  h5::Handle memory_space = h5::check_id(H5Screate_simple(4, block, nullptr), "H5Screate_simple");
  h5::check(H5Dread(dataset_.get(), H5T_NATIVE_UINT8, memory_space.get(), file_space.get(), H5P_DEFAULT, out),
            "H5Dread " + what_);
}

}  // namespace dap
