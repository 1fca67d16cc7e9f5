#include "core/results/predictions_file.h"

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/io/hdf5_handle.h"
#include "dap/version.h"

namespace dap {
namespace {

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? "," : "") + std::to_string(dims[i]);
  return text + "]";
}

std::string optional_string_attribute(hid_t file, const char* name) {
  return h5::has_attribute(file, name) ? h5::read_string_attribute(file, name) : "";
}

std::vector<float> read_scores(hid_t file, size_t videos, size_t classes) {
  const auto dims = h5::dataset_dims(file, "scores");
  if (dims.size() != 2 || dims[0] != videos || dims[1] != classes) {
    throw InputError("scores has shape " + dims_text(dims) + ", expected [" + std::to_string(videos) + "," +
                     std::to_string(classes) + "] (video_ids x class_names)");
  }
  std::vector<float> scores(videos * classes);
  if (scores.empty()) return scores;
  h5::Handle set = h5::check_id(H5Dopen2(file, "scores", H5P_DEFAULT), "H5Dopen2 scores");
  h5::check(H5Dread(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, scores.data()), "H5Dread scores");
  return scores;
}

// The body of read_predictions; its errors do not name the file, the caller adds it.
Predictions read_open_file(hid_t f) {
  const std::string format = h5::has_attribute(f, "format") ? h5::read_string_attribute(f, "format") : "(none)";
  const int64_t version = h5::has_attribute(f, "format_version") ? h5::read_int_attribute(f, "format_version") : -1;
  if (format != predictions::kFormat || version != predictions::kFormatVersion) {
    throw InputError("format is \"" + format + "\" version " + std::to_string(version) +
                     "; this reader knows only \"" + predictions::kFormat + "\" version " +
                     std::to_string(predictions::kFormatVersion));
  }
  Predictions p;
  p.producer = optional_string_attribute(f, "producer");
  p.config = optional_string_attribute(f, "config");
  p.model = optional_string_attribute(f, "model");
  p.video_ids = h5::read_strings(f, "video_ids");
  p.class_names = h5::read_strings(f, "class_names");
  p.labels = h5::read_int32_vector(f, "labels");
  if (H5Lexists(f, "domains", H5P_DEFAULT) > 0) p.domains = h5::read_strings(f, "domains");
  p.scores = read_scores(f, p.video_ids.size(), p.class_names.size());
  const std::string problem = predictions_problem(p);
  if (!problem.empty()) throw InputError("inconsistent: " + problem);
  return p;
}

}  // namespace

std::string predictions_problem(const Predictions& p) {
  const size_t v = p.video_ids.size(), c = p.class_names.size();
  if (c == 0) return "class_names is empty";
  if (p.labels.size() != v) {
    return "labels has " + std::to_string(p.labels.size()) + " entries, video_ids " + std::to_string(v);
  }
  if (!p.domains.empty() && p.domains.size() != v) {
    return "domains has " + std::to_string(p.domains.size()) + " entries, video_ids " + std::to_string(v);
  }
  if (p.scores.size() != v * c) {
    return "scores has " + std::to_string(p.scores.size()) + " values, expected " + std::to_string(v) + " videos x " +
           std::to_string(c) + " classes";
  }
  for (size_t i = 0; i < v; ++i) {
    if (p.labels[i] < -1 || p.labels[i] >= static_cast<int32_t>(c)) {
      return "label " + std::to_string(p.labels[i]) + " of video '" + p.video_ids[i] + "' is outside [-1, " +
             std::to_string(c) + ")";
    }
  }
  return "";
}

void write_predictions(const std::string& path, const Predictions& p) {
  const std::string problem = predictions_problem(p);
  if (!problem.empty()) throw Error("cannot write predictions '" + path + "': " + problem);
  h5::disable_auto_error_printing();
  // Whole or not at all, synced before the rename; a full disk or quota is an OutOfSpaceError naming `path`.
  write_named_file_atomically(path, [&](const std::string& temporary) {
    try {
      h5::Handle file = h5::check_id(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                     "H5Fcreate " + temporary);
      const hid_t f = file.get();
      h5::write_string_attribute(f, "format", predictions::kFormat);
      h5::write_int_attribute(f, "format_version", predictions::kFormatVersion);
      h5::write_string_attribute(f, "producer", kProducer);
      h5::write_string_attribute(f, "config", p.config);
      h5::write_string_attribute(f, "model", p.model);
      h5::write_strings(f, "video_ids", p.video_ids);
      h5::write_vector(f, "labels", p.labels);
      const float none = 0.0f;  // H5Dwrite wants a buffer even for an empty selection
      h5::write_float_array(f, "scores", {p.video_ids.size(), p.class_names.size()},
                            p.scores.empty() ? &none : p.scores.data());
      h5::write_strings(f, "class_names", p.class_names);
      if (!p.domains.empty()) h5::write_strings(f, "domains", p.domains);
      h5::check(H5Fflush(f, H5F_SCOPE_GLOBAL), "H5Fflush " + temporary);
    } catch (const Error& e) {
      throw Error("cannot write predictions '" + path + "': " + e.what());
    }
  });
}

Predictions read_predictions(const std::string& path) {
  h5::disable_auto_error_printing();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError("cannot open predictions file '" + path + "' (missing, truncated or not HDF5)");
  }
  h5::Handle file(id);
  try {
    return read_open_file(file.get());
  } catch (const Error& e) {  // HDF5 call failures too: the file is what the user must fix
    throw InputError("predictions file '" + path + "': " + e.what());
  }
}

}  // namespace dap
