#include "core/models/timesformer.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/upsampling.h>

#include <string>

#include "core/base/error.h"
#include "core/base/strings.h"
#include "core/models/attention.h"

namespace dap {
namespace {

namespace F = torch::nn::functional;

constexpr double kLayerNormEps = 1e-6;

Float32LayerNorm layer_norm(int64_t width) {
  return Float32LayerNorm(torch::nn::LayerNormOptions({width}).eps(kLayerNormEps));
}

// The released code's resizing: F.interpolate(mode="nearest") of the patch
// positions as a grid (the class token's position kept), and of the time axis.
torch::Tensor resized_pos_embed(const torch::Tensor& pos_embed, int64_t grid, int64_t grid_h, int64_t grid_w) {
  if (grid_h == grid && grid_w == grid) return pos_embed;
  const int64_t width = pos_embed.size(2);
  const torch::Tensor cls = pos_embed.slice(1, 0, 1);
  const torch::Tensor patches = pos_embed.slice(1, 1).transpose(1, 2).reshape({1, width, grid, grid});
  const torch::Tensor resized = F::interpolate(
      patches, F::InterpolateFuncOptions().size(std::vector<int64_t>{grid_h, grid_w}).mode(torch::kNearest));
  return torch::cat({cls, resized.flatten(2).transpose(1, 2)}, 1);
}

torch::Tensor resized_time_embed(const torch::Tensor& time_embed, int64_t frames) {
  if (time_embed.size(1) == frames) return time_embed;
  const torch::Tensor resized = F::interpolate(
      time_embed.transpose(1, 2), F::InterpolateFuncOptions().size(std::vector<int64_t>{frames}).mode(torch::kNearest));
  return resized.transpose(1, 2);
}

}  // namespace

TimeSformerAttentionImpl::TimeSformerAttentionImpl(int64_t width, int64_t heads) : heads_(heads) {
  qkv = register_module("qkv", torch::nn::Linear(width, 3 * width));
  proj = register_module("proj", torch::nn::Linear(width, width));
}

torch::Tensor TimeSformerAttentionImpl::forward(const torch::Tensor& x) {
  return proj(self_attention(qkv(x), heads_));
}

TimeSformerPatchEmbedImpl::TimeSformerPatchEmbedImpl(int64_t width, int64_t patch_size) {
  proj = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, width, patch_size).stride(patch_size)));
}

TimeSformerMlpImpl::TimeSformerMlpImpl(int64_t width, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(width, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, width));
}

torch::Tensor TimeSformerMlpImpl::forward(const torch::Tensor& x) { return fc2(torch::gelu(fc1(x))); }

TimeSformerBlockImpl::TimeSformerBlockImpl(int64_t width, int64_t heads, int64_t mlp_ratio) {
  // Registered in the released module's order (state_dict order).
  norm1 = register_module("norm1", layer_norm(width));
  attn = register_module("attn", TimeSformerAttention(width, heads));
  temporal_norm1 = register_module("temporal_norm1", layer_norm(width));
  temporal_attn = register_module("temporal_attn", TimeSformerAttention(width, heads));
  temporal_fc = register_module("temporal_fc", torch::nn::Linear(width, width));
  norm2 = register_module("norm2", layer_norm(width));
  mlp = register_module("mlp", TimeSformerMlp(width, width * mlp_ratio));
}

void TimeSformerBlockImpl::forward(torch::Tensor& cls, torch::Tensor& patches) {
  const int64_t b = patches.size(0), n = patches.size(1), t = patches.size(2), width = patches.size(3);
  // Temporal attention: each patch position attends over the T frames.
  const torch::Tensor temporal =
      temporal_attn(temporal_norm1(patches.reshape({b * n, t, width}))).reshape({b, n, t, width});
  const torch::Tensor xt = patches + temporal_fc(temporal);
  // Spatial attention: each frame's patches with the clip's class token.
  const torch::Tensor frames = xt.permute({0, 2, 1, 3}).reshape({b * t, n, width});
  const torch::Tensor cls_per_frame = cls.expand({b, t, width}).reshape({b * t, 1, width});
  const torch::Tensor spatial = attn(norm1(torch::cat({cls_per_frame, frames}, 1)));
  // The class token's T results are averaged into the one class token.
  cls = cls + spatial.select(1, 0).reshape({b, t, width}).mean(1, /*keepdim=*/true);
  patches = xt + spatial.slice(1, 1).reshape({b, t, n, width}).permute({0, 2, 1, 3});
  // The MLP acts on each token alone.
  cls = cls + mlp(norm2(cls));
  patches = patches + mlp(norm2(patches));
}

TimeSformerImpl::TimeSformerImpl(const TimeSformerConfig& config) : config_(config) {
  if (config.image_size % config.patch_size != 0 || config.width % config.heads != 0) {
    throw Error("TimeSformer: image_size must be a multiple of patch_size and heads must divide width");
  }
  const int64_t width = config.width, patches = config.grid() * config.grid();
  patch_embed = register_module("patch_embed", TimeSformerPatchEmbed(width, config.patch_size));
  cls_token = register_parameter("cls_token", torch::randn({1, 1, width}) * 0.02);
  pos_embed = register_parameter("pos_embed", torch::randn({1, patches + 1, width}) * 0.02);
  time_embed = register_parameter("time_embed", torch::zeros({1, config.num_frames, width}));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.layers; ++i) blocks->push_back(TimeSformerBlock(width, config.heads, config.mlp_ratio));
  norm = register_module("norm", layer_norm(width));
  if (config.num_classes > 0) head = register_module("head", torch::nn::Linear(width, config.num_classes));
}

TimeSformerOutput TimeSformerImpl::forward(const torch::Tensor& clip, bool with_layer_features) {
  if (clip.dim() != 5 || clip.size(2) != 3) throw Error("TimeSformer expects clips [B, T, 3, H, W]");
  const int64_t b = clip.size(0), t = clip.size(1), width = config_.width;
  // [B*T, width, h, w] -> [B*T, h*w, width]; a side that is not a multiple of
  // the patch size loses its remainder, as in the released Conv2d.
  const torch::Tensor grid = patch_embed(clip.reshape({b * t, 3, clip.size(3), clip.size(4)}));
  const int64_t grid_h = grid.size(2), grid_w = grid.size(3), n = grid_h * grid_w;
  const torch::Tensor position = resized_pos_embed(pos_embed, config_.grid(), grid_h, grid_w);
  const torch::Tensor tokens = grid.flatten(2).transpose(1, 2) + position.slice(1, 1);
  // The class token with its position (the released code adds it per frame and keeps frame 0's).
  torch::Tensor cls = (cls_token + position.slice(1, 0, 1)).expand({b, 1, width});
  // [B, N, T, width]: the released code's "(n t)" token order.
  torch::Tensor patches = tokens.reshape({b, t, n, width}).permute({0, 2, 1, 3}) +
                          resized_time_embed(time_embed, t).reshape({1, 1, t, width});

  TimeSformerOutput out;
  for (const auto& module : *blocks) {
    module->as<TimeSformerBlockImpl>()->forward(cls, patches);
    if (with_layer_features) out.layer_features.push_back(patches.mean(1));
  }
  out.features = norm(cls.squeeze(1));
  if (!head.is_empty()) out.logits = head(out.features);
  return out;
}

std::vector<ExpectedTensor> timesformer_expected_weights(const TimeSformerConfig& c, bool include_head) {
  const int64_t w = c.width, hidden = c.width * c.mlp_ratio;
  std::vector<ExpectedTensor> expected = {
      {"cls_token", {1, 1, w}},
      {"pos_embed", {1, c.grid() * c.grid() + 1, w}},
      {"time_embed", {1, c.num_frames, w}},
      {"patch_embed.proj.weight", {w, 3, c.patch_size, c.patch_size}},
      {"patch_embed.proj.bias", {w}},
      {"norm.weight", {w}},
      {"norm.bias", {w}},
  };
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string block = "blocks." + std::to_string(i) + ".";
    for (const char* norm_name : {"norm1", "temporal_norm1", "norm2"}) {
      expected.push_back({block + norm_name + ".weight", {w}});
      expected.push_back({block + norm_name + ".bias", {w}});
    }
    for (const char* attention : {"attn", "temporal_attn"}) {
      expected.push_back({block + attention + ".qkv.weight", {3 * w, w}});
      expected.push_back({block + attention + ".qkv.bias", {3 * w}});
      expected.push_back({block + attention + ".proj.weight", {w, w}});
      expected.push_back({block + attention + ".proj.bias", {w}});
    }
    expected.push_back({block + "temporal_fc.weight", {w, w}});
    expected.push_back({block + "temporal_fc.bias", {w}});
    expected.push_back({block + "mlp.fc1.weight", {hidden, w}});
    expected.push_back({block + "mlp.fc1.bias", {hidden}});
    expected.push_back({block + "mlp.fc2.weight", {w, hidden}});
    expected.push_back({block + "mlp.fc2.bias", {w}});
  }
  if (include_head) {
    expected.push_back({"head.weight", {c.num_classes, w}});
    expected.push_back({"head.bias", {c.num_classes}});
  }
  return expected;
}

StateDict timesformer_weights(const StateDict& state) {
  StateDict weights = state;
  for (const char* prefix : {"model_state.", "model."}) {
    const StateDict inner = select_prefix(weights, prefix);
    if (!inner.empty()) weights = inner;
  }
  return weights;
}

TimeSformerConfig timesformer_config_from_weights(const StateDict& weights) {
  const auto need = [&](const std::string& name) -> const torch::Tensor& {
    const auto it = weights.find(name);
    if (it == weights.end()) throw InputError("not a TimeSformer checkpoint: no '" + name + "'");
    return it->second;
  };
  TimeSformerConfig c;
  const torch::Tensor& proj = need("patch_embed.proj.weight");
  c.width = proj.size(0);
  c.patch_size = proj.size(2);
  c.heads = c.width / 64;
  c.num_frames = need("time_embed").size(1);
  const int64_t patches = need("pos_embed").size(1) - 1;
  int64_t grid = 0;
  while ((grid + 1) * (grid + 1) <= patches) ++grid;
  c.image_size = grid * c.patch_size;
  c.layers = 0;
  while (weights.count("blocks." + std::to_string(c.layers) + ".attn.qkv.weight") != 0) ++c.layers;
  c.mlp_ratio = need("blocks.0.mlp.fc1.weight").size(0) / c.width;
  const auto head = weights.find("head.weight");
  c.num_classes = head == weights.end() ? 0 : head->second.size(0);
  return c;
}

void load_timesformer(TimeSformer& model, const StateDict& state, const std::string& file, bool include_head) {
  if (include_head && !model->has_classifier()) {
    throw Error("load_timesformer: include_head needs a model with a classifier (num_classes > 0) for " + file);
  }
  StateDict used;
  for (const auto& [name, tensor] : timesformer_weights(state)) {
    if (include_head || !starts_with(name, "head.")) used.emplace(name, tensor);
  }
  check_state_dict(used, timesformer_expected_weights(model->config(), include_head), file,
                   /*allow_unexpected=*/false);
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    const auto it = used.find(item.key());
    if (it != used.end()) {
      item.value().copy_(it->second);
    } else if (include_head || !starts_with(item.key(), "head.")) {
      throw Error("load_timesformer: the model's parameter '" + item.key() + "' has no checkpoint key");
    }
  }
}

}  // namespace dap
