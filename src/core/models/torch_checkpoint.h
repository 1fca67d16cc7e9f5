// Reading `torch.save` checkpoints (zip archives) into name -> CPU tensor maps,
// and checking them against the names and shapes a model expects.
//
// Debian's libtorch 1.13 cannot read the official SCI weights with its stock
// readers (torch::pickle_load fails on tensors saved on CUDA), so the pickle in data.pkl is interpreted here by a small
// unpickler that knows exactly the subset torch.save emits for state dicts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

namespace dap {

// Parameter / buffer name -> tensor, as in a PyTorch state dict (sorted by name).
using StateDict = std::map<std::string, torch::Tensor>;

// Reads a `torch.save` zip archive (any archive folder name inside the zip).
// Every tensor is built on the CPU whatever device it was saved from ("cuda:0"
// etc.); views that share one storage in the file share it in the result.
// Nested dicts ({"state_dict": {...}}) are flattened with '.'-joined keys;
// non-tensor values (ints, floats, strings, lists, None) are skipped.
// Throws InputError naming the file on anything it does not understand,
// e.g. a pickled Python class that is not a tensor or storage.
StateDict load_torch_state_dict(const std::string& path);

// One tensor a model expects to find in a state dict.
struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
  bool required = true;  // false: may be absent (e.g. BatchNorm num_batches_tracked)
};

// Compares `state` with `expected` and throws ONE InputError naming `file` and
// listing every missing key, every mis-shaped key (expected vs found) and,
// unless allow_unexpected, every key that the model does not know.
void check_state_dict(const StateDict& state, const std::vector<ExpectedTensor>& expected,
                      const std::string& file, bool allow_unexpected);

// The entries whose name starts with `prefix`, with the prefix removed
// ("enhance.conv.0.weight" -> "conv.0.weight" for prefix "enhance.").
StateDict select_prefix(const StateDict& state, const std::string& prefix);

// Copies `state` into every parameter and buffer of `module` after checking
// names and shapes; throws one InputError naming `file` and every missing,
// mis-shaped or unknown key.
void load_module_state(torch::nn::Module& module, const StateDict& state, const std::string& file);

}  // namespace dap
