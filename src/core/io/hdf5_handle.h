// RAII and checked calls around the HDF5 C API. Every failing call throws a
// dap::Error carrying the call, the file and HDF5's own error stack.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dap::h5 {

// Owns one hid_t (file, group, dataset, dataspace, datatype, attribute or
// property list) and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Throws when id < 0; `what` names the call and the object (e.g. "H5Fopen shard.h5").
Handle check_id(hid_t id, const std::string& what);
void check(herr_t status, const std::string& what);

// HDF5 closes the objects still open when the program exits; a file whose
// close failed on a full disk (it could not flush) stays open and crashes that
// cleanup (HDF5 1.10). Every file here is closed by its Handle, so the exit
// cleanup is skipped. Call it before any other HDF5 call.
void skip_cleanup_at_exit();

// Silences HDF5's automatic stderr printing; errors are reported through exceptions.
void disable_auto_error_printing();

// Attributes on files or datasets.
void write_string_attribute(hid_t object, const std::string& name, const std::string& value);
void write_int_attribute(hid_t object, const std::string& name, int64_t value);
std::string read_string_attribute(hid_t object, const std::string& name);
int64_t read_int_attribute(hid_t object, const std::string& name);
bool has_attribute(hid_t object, const std::string& name);

// Whole 1-D datasets.
void write_vector(hid_t file, const std::string& name, const std::vector<int64_t>& values);
void write_vector(hid_t file, const std::string& name, const std::vector<int32_t>& values);
void write_vector(hid_t file, const std::string& name, const std::vector<float>& values);
void write_strings(hid_t file, const std::string& name, const std::vector<std::string>& values);
// An n-dimensional float32 dataset (e.g. model features), written whole.
void write_float_array(hid_t file, const std::string& name, const std::vector<hsize_t>& dims, const float* data);
std::vector<int64_t> read_int64_vector(hid_t file, const std::string& name);
std::vector<int32_t> read_int32_vector(hid_t file, const std::string& name);
std::vector<float> read_float_vector(hid_t file, const std::string& name);
std::vector<std::string> read_strings(hid_t file, const std::string& name);
std::vector<hsize_t> dataset_dims(hid_t file, const std::string& name);

}  // namespace dap::h5
