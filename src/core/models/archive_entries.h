// Scalar entries (integers, text) of a libtorch archive: checkpoints,
// adapter.pt and model.pt keep their step, identity, config and class names so.
#pragma once

#include <cstdint>
#include <string>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

namespace dap {

void write_int(torch::serialize::OutputArchive& archive, const std::string& key, int64_t value);
int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key);
void write_text(torch::serialize::OutputArchive& archive, const std::string& key, const std::string& value);
std::string read_text(torch::serialize::InputArchive& archive, const std::string& key);

}  // namespace dap
