#include "core/models/archive_entries.h"

#include <torch/torch.h>

namespace dap {

void write_int(torch::serialize::OutputArchive& archive, const std::string& key, int64_t value) {
  archive.write(key, c10::IValue(value));
}

int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toInt();
}

void write_text(torch::serialize::OutputArchive& archive, const std::string& key, const std::string& value) {
  archive.write(key, c10::IValue(value));
}

std::string read_text(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toStringRef();
}

}  // namespace dap
