#include "core/io/hdf5_handle.h"

#include "core/base/error.h"

namespace dap::h5 {
namespace {

// Collects HDF5's error stack into one readable string.
herr_t append_error(unsigned depth, const H5E_error2_t* entry, void* out) {
  auto* text = static_cast<std::string*>(out);
  *text += "\n  #" + std::to_string(depth) + " " + (entry->func_name ? entry->func_name : "?") + ": " +
           (entry->desc ? entry->desc : "");
  return 0;
}

std::string error_stack() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, append_error, &text);
  H5Eclear2(H5E_DEFAULT);
  return text;
}

template <class T>
void write_plain_vector(hid_t file, const std::string& name, const std::vector<T>& values, hid_t type) {
  hsize_t dims[1] = {values.size()};
  Handle space = check_id(H5Screate_simple(1, dims, nullptr), "H5Screate_simple " + name);
  Handle set = check_id(H5Dcreate2(file, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        "H5Dcreate2 " + name);
  if (!values.empty()) {
    check(H5Dwrite(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "H5Dwrite " + name);
  }
}

template <class T>
std::vector<T> read_plain_vector(hid_t file, const std::string& name, hid_t type) {
  auto dims = dataset_dims(file, name);
  if (dims.size() != 1) throw InputError("dataset '" + name + "' is not 1-D");
  std::vector<T> values(dims[0]);
  Handle set = check_id(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2 " + name);
  if (!values.empty()) {
    check(H5Dread(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "H5Dread " + name);
  }
  return values;
}

Handle utf8_string_type() {
  Handle type = check_id(H5Tcopy(H5T_C_S1), "H5Tcopy");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return type;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = H5I_INVALID_HID;
}

Handle check_id(hid_t id, const std::string& what) {
  if (id < 0) throw Error("HDF5 call failed: " + what + error_stack());
  return Handle(id);
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw Error("HDF5 call failed: " + what + error_stack());
}

void skip_cleanup_at_exit() { H5dont_atexit(); }

void disable_auto_error_printing() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type = utf8_string_type();
  Handle space = check_id(H5Screate(H5S_SCALAR), "H5Screate");
  Handle attr = check_id(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                         "H5Acreate2 " + name);
  const char* text = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &text), "H5Awrite " + name);
}

void write_int_attribute(hid_t object, const std::string& name, int64_t value) {
  Handle space = check_id(H5Screate(H5S_SCALAR), "H5Screate");
  Handle attr = check_id(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                         "H5Acreate2 " + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), "H5Awrite " + name);
}

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

std::string read_string_attribute(hid_t object, const std::string& name) {
  Handle attr = check_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), "H5Aopen attribute '" + name + "'");
  Handle file_type = check_id(H5Aget_type(attr.get()), "H5Aget_type " + name);
  if (H5Tget_class(file_type.get()) != H5T_STRING) throw InputError("attribute '" + name + "' is not a string");
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Handle type = utf8_string_type();
    char* text = nullptr;
    check(H5Aread(attr.get(), type.get(), &text), "H5Aread " + name);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  const size_t size = H5Tget_size(file_type.get());
  std::string value(size, '\0');
  check(H5Aread(attr.get(), file_type.get(), value.data()), "H5Aread " + name);
  return value.substr(0, value.find('\0'));
}

int64_t read_int_attribute(hid_t object, const std::string& name) {
  Handle attr = check_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), "H5Aopen attribute '" + name + "'");
  int64_t value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), "H5Aread " + name);
  return value;
}

void write_vector(hid_t file, const std::string& name, const std::vector<int64_t>& values) {
  write_plain_vector(file, name, values, H5T_NATIVE_INT64);
}
void write_vector(hid_t file, const std::string& name, const std::vector<int32_t>& values) {
  write_plain_vector(file, name, values, H5T_NATIVE_INT32);
}
void write_vector(hid_t file, const std::string& name, const std::vector<float>& values) {
  write_plain_vector(file, name, values, H5T_NATIVE_FLOAT);
}

void write_float_array(hid_t file, const std::string& name, const std::vector<hsize_t>& dims, const float* data) {
  Handle space = check_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                          "H5Screate_simple " + name);
  Handle set = check_id(H5Dcreate2(file, name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                                   H5P_DEFAULT),
                        "H5Dcreate2 " + name);
  check(H5Dwrite(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "H5Dwrite " + name);
}

void write_strings(hid_t file, const std::string& name, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  Handle type = utf8_string_type();
  write_plain_vector(file, name, pointers, type.get());
}

std::vector<int64_t> read_int64_vector(hid_t file, const std::string& name) {
  return read_plain_vector<int64_t>(file, name, H5T_NATIVE_INT64);
}
std::vector<int32_t> read_int32_vector(hid_t file, const std::string& name) {
  return read_plain_vector<int32_t>(file, name, H5T_NATIVE_INT32);
}
std::vector<float> read_float_vector(hid_t file, const std::string& name) {
  return read_plain_vector<float>(file, name, H5T_NATIVE_FLOAT);
}

std::vector<std::string> read_strings(hid_t file, const std::string& name) {
  Handle type = utf8_string_type();
  auto pointers = read_plain_vector<char*>(file, name, type.get());
  std::vector<std::string> values;
  for (char* p : pointers) {
    values.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return values;
}

std::vector<hsize_t> dataset_dims(hid_t file, const std::string& name) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) throw InputError("dataset '" + name + "' is missing");
  Handle set = check_id(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2 " + name);
  Handle space = check_id(H5Dget_space(set.get()), "H5Dget_space " + name);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

}  // namespace dap::h5
