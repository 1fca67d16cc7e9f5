// Loading OpenAI CLIP weights (see clip_weights.h).
#include "core/models/clip_weights.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/base/error.h"
#include "core/base/strings.h"

namespace dap {
namespace {

const std::string kVisualPrefix = "visual.";
const std::string kBlocksPrefix = "transformer.resblocks.";  // under "visual." for the image tower
const std::string kAttentionSuffix = ".attn.in_proj_weight";

// Model-level entries that belong to neither tower. OpenAI's archive stores
// input_resolution, context_length and vocab_size next to the weights.
const std::set<std::string> kModelExtras = {"logit_scale", "input_resolution", "context_length", "vocab_size"};

// torch.jit.save writes constants.pkl (and code/); torch.save does not.
bool is_torchscript_archive(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[2] = {0, 0};
  in.read(magic, 2);
  if (!in || magic[0] != 'P' || magic[1] != 'K') return false;  // not a zip: let the state dict reader explain
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    return reader.hasRecord("constants.pkl");
  } catch (const c10::Error& e) {
    throw InputError(path + ": cannot read the zip archive: " + e.what_without_backtrace());
  }
}

// Collects what the config inference needs but cannot find, so that one
// error lists all of it.
class ShapeReader {
 public:
  ShapeReader(const StateDict& weights, std::string file, std::string what)
      : weights_(weights), file_(std::move(file)), what_(std::move(what)) {}

  // Size `dim` of `key`, which must have `rank` dimensions; 0 (and a problem noted) otherwise.
  int64_t size(const std::string& key, int64_t rank, int64_t dim) {
    auto it = weights_.find(key);
    if (it == weights_.end()) {
      note("missing key '" + key + "'");
      return 0;
    }
    if (it->second.dim() != rank) {
      std::ostringstream shape;
      shape << it->second.sizes();
      note("key '" + key + "' has shape " + shape.str() + ", expected " + std::to_string(rank) + " dimensions");
      return 0;
    }
    return it->second.size(dim);
  }

  // The number of residual blocks under `prefix` (keys prefix + i + ".attn.in_proj_weight").
  int64_t count_blocks(const std::string& prefix) {
    std::set<std::string> indices;
    for (auto it = weights_.lower_bound(prefix); it != weights_.end() && starts_with(it->first, prefix); ++it)
      if (ends_with(it->first, kAttentionSuffix))
        indices.insert(it->first.substr(prefix.size(), it->first.size() - prefix.size() - kAttentionSuffix.size()));
    if (indices.empty()) note("no residual blocks ('" + prefix + "0" + kAttentionSuffix + "' is missing)");
    return static_cast<int64_t>(indices.size());
  }

  void note(const std::string& problem) { problems_.push_back(problem); }

  void throw_if_problems() const {
    if (problems_.empty()) return;
    std::string message = file_ + ": cannot infer the " + what_ + " sizes from the weights (is this a CLIP model?):";
    for (const std::string& p : problems_) message += "\n  " + p;
    throw InputError(message);
  }

 private:
  const StateDict& weights_;
  std::string file_, what_;
  std::vector<std::string> problems_;
};

// CLIP's build_model: heads = width / 64 (at least one).
int64_t default_heads(int64_t width, int64_t heads) { return heads > 0 ? heads : std::max<int64_t>(1, width / 64); }

// The module's parameters and buffers as checkpoint keys, so the expected
// names and shapes cannot drift from the module.
std::vector<ExpectedTensor> expected_weights(torch::nn::Module& module, const std::string& prefix) {
  std::vector<ExpectedTensor> expected;
  for (const auto& item : module.named_parameters())
    expected.push_back({prefix + item.key(), item.value().sizes().vec()});
  for (const auto& item : module.named_buffers())
    expected.push_back({prefix + item.key(), item.value().sizes().vec()});
  return expected;
}

// Checks `selected` against the module and copies it in (converting dtypes).
void copy_into(torch::nn::Module& module, const StateDict& selected, const std::string& prefix,
               const std::string& file) {
  check_state_dict(selected, expected_weights(module, prefix), file, /*allow_unexpected=*/false);
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters()) item.value().copy_(selected.at(prefix + item.key()));
  for (auto& item : module.named_buffers()) item.value().copy_(selected.at(prefix + item.key()));
}

}  // namespace

StateDict load_torchscript_state_dict(const std::string& path) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw InputError(path + ": torch::jit::load cannot read this TorchScript archive (" +
                     e.what_without_backtrace() +
                     "). Re-save its weights as a state dict in Python and load that instead: "
                     "torch.save(torch.jit.load(path, map_location='cpu').state_dict(), 'clip_state_dict.pt')");
  } catch (const std::exception& e) {
    throw InputError(path + ": torch::jit::load cannot read this TorchScript archive (" + std::string(e.what()) +
                     ")");
  }
  StateDict state;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) state.emplace(item.name, item.value.detach());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) state.emplace(item.name, item.value.detach());
  return state;
}

StateDict load_clip_weights(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw InputError("CLIP weights not found: " + path);
  StateDict state = is_torchscript_archive(path) ? load_torchscript_state_dict(path) : load_torch_state_dict(path);
  for (auto& [name, tensor] : state)
    if (tensor.is_floating_point()) tensor = tensor.to(torch::kFloat);
  return state;
}

ClipVisualConfig infer_clip_visual_config(const StateDict& weights, const std::string& file, int64_t heads) {
  ShapeReader read(weights, file, "CLIP visual");
  ClipVisualConfig config;
  config.width = read.size("visual.conv1.weight", 4, 0);
  config.patch_size = read.size("visual.conv1.weight", 4, 3);
  config.output_dim = read.size("visual.proj", 2, 1);
  config.layers = read.count_blocks(kVisualPrefix + kBlocksPrefix);
  const int64_t positions = read.size("visual.positional_embedding", 2, 0);
  const int64_t patches = std::max<int64_t>(positions - 1, 0);  // minus the class position
  const auto grid = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(patches))));
  if (positions > 0 && grid * grid + 1 != positions)
    read.note("'visual.positional_embedding' has " + std::to_string(positions) +
              " rows, expected a square patch grid plus the class position");
  read.throw_if_problems();
  config.image_size = grid * config.patch_size;
  config.heads = default_heads(config.width, heads);
  return config;
}

ClipTextConfig infer_clip_text_config(const StateDict& weights, const std::string& file, int64_t heads) {
  ShapeReader read(weights, file, "CLIP text");
  ClipTextConfig config;
  config.vocab_size = read.size("token_embedding.weight", 2, 0);
  config.width = read.size("ln_final.weight", 1, 0);
  config.context_length = read.size("positional_embedding", 2, 0);
  config.embed_dim = read.size("text_projection", 2, 1);
  config.layers = read.count_blocks(kBlocksPrefix);
  read.throw_if_problems();
  config.heads = default_heads(config.width, heads);
  return config;
}

void load_clip_visual(ClipVisual& module, const StateDict& weights, const std::string& file) {
  // Full names are kept so that errors quote the keys as they are in the file.
  StateDict visual;
  for (auto it = weights.lower_bound(kVisualPrefix); it != weights.end() && starts_with(it->first, kVisualPrefix); ++it)
    visual.insert(*it);
  copy_into(*module, visual, kVisualPrefix, file);
}

void load_clip_text(ClipText& module, const StateDict& weights, const std::string& file) {
  StateDict text;
  for (const auto& entry : weights)
    if (!starts_with(entry.first, kVisualPrefix) && !kModelExtras.count(entry.first)) text.insert(entry);
  copy_into(*module, text, /*prefix=*/"", file);
}

ClipVisual build_clip_visual(const StateDict& weights, const std::string& file, int64_t heads) {
  ClipVisual module(infer_clip_visual_config(weights, file, heads));
  load_clip_visual(module, weights, file);
  module->eval();
  return module;
}

ClipText build_clip_text(const StateDict& weights, const std::string& file, int64_t heads) {
  ClipText module(infer_clip_text_config(weights, file, heads));
  load_clip_text(module, weights, file);
  module->eval();
  return module;
}

double clip_logit_scale(const StateDict& weights, const std::string& file) {
  auto it = weights.find("logit_scale");
  if (it == weights.end() || it->second.numel() != 1)
    throw InputError(file + ": no scalar 'logit_scale' (the CLIP similarity scale) in the weights");
  return it->second.item<double>();
}

}  // namespace dap
