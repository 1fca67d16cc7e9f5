// One frames dataset of a shard (uint8 [F,H,W,3]), read a frame at a time.
// Stored as the writer stores it (one chunk per frame, deflate and/or shuffle),
// a frame's compressed chunk is fetched with H5Dread_chunk and inflated with
// libdeflate outside HDF5's global lock, so loader threads decompress in
// parallel; the file stays an ordinary HDF5 file that h5py reads without
// plugins. Any other layout (a file rewritten by another tool) is read through
// H5Dread, with the same result.
#pragma once

#include <cstdint>
#include <string>

#include "core/io/hdf5_handle.h"

namespace dap {

class FrameChunks {
 public:
  // `where` names the file in errors. Throws dap::Error when the dataset is missing.
  // allow_direct = false: always H5Dread (a baseline for bench/loader_bench).
  FrameChunks(hid_t file, const std::string& name, int height, int width, const std::string& where,
              bool allow_direct = true);

  // True when frames are read as raw chunks and inflated outside the library.
  bool direct() const { return direct_; }
  // Frames [first, first+count) into `out` (count*H*W*3 bytes).
  void read(int64_t first, int64_t count, uint8_t* out) const;

 private:
  void read_direct(int64_t frame, uint8_t* out) const;
  void read_through_library(int64_t first, int64_t count, uint8_t* out) const;

  h5::Handle dataset_;
  std::string what_;  // "frames of shard.h5", for errors
  int height_, width_;
  size_t frame_bytes_;
  bool direct_ = false;
  int deflate_filter_ = -1;  // position of deflate in the filter pipeline; -1: stored uncompressed
};

}  // namespace dap
