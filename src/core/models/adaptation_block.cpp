// Progressive adaptation block, lock encoder and their building blocks.
#include "core/models/adaptation_block.h"


#include <torch/torch.h>

#include "core/base/error.h"
#include "core/models/attention.h"
#include "core/models/float32_layer_norm.h"

namespace dap {
namespace {

namespace nn = torch::nn;

// ActionCLIP's initialisation of its fusion transformer: weights and
// embeddings N(0, 0.02), biases 0 (LayerNorm keeps 1 / 0).
constexpr double kInitStd = 0.02;

nn::Linear linear(int64_t in, int64_t out) {
  nn::Linear layer(in, out);
  torch::NoGradGuard no_grad;
  nn::init::normal_(layer->weight, 0.0, kInitStd);
  nn::init::zeros_(layer->bias);
  return layer;
}

Float32LayerNorm layer_norm(int64_t width) { return Float32LayerNorm(nn::LayerNormOptions({width}).eps(1e-5)); }

std::string shape_of(const torch::Tensor& t) {
  std::string text = "[";
  for (int64_t d = 0; d < t.dim(); ++d) text += (d ? ", " : "") + std::to_string(t.size(d));
  return text + "]";
}

// Frame features must be [B, T, width]; the message names the input.
void check_features(const torch::Tensor& x, int64_t width, const std::string& what) {
  if (x.dim() != 3 || x.size(2) != width)
    throw Error(what + " must be [B, T, " + std::to_string(width) + "], got " + shape_of(x));
}

// What the lock encoder reads per frame: the last backbone layer's feature (input_widths
// names its width when it differs from the block's), or CLIP's image embedding, which is as
// wide as the block (ExperimentConfig checks) whatever the layers' widths.
int64_t lock_input_width(const AdaptationConfig& config) {
  return config.reads_embedding() || config.input_widths.empty() ? config.width : config.input_widths.back();
}

}  // namespace

AdapterAttentionImpl::AdapterAttentionImpl(int64_t width, int64_t heads) : heads_(heads) {
  if (width % heads != 0)
    throw ConfigError("attention heads (" + std::to_string(heads) + ") must divide the width (" +
                      std::to_string(width) + ")");
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * width, width}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * width}));
  out_proj = register_module("out_proj", linear(width, width));
  torch::NoGradGuard no_grad;
  nn::init::normal_(in_proj_weight, 0.0, kInitStd);
}

torch::Tensor AdapterAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& key,
                                            const torch::Tensor& value) {
  const std::vector<torch::Tensor> w = in_proj_weight.chunk(3, 0), b = in_proj_bias.chunk(3, 0);
  const auto project = [&](const torch::Tensor& x, int i) { return split_heads(torch::linear(x, w[i], b[i]), heads_); };
  return out_proj->forward(merge_heads(attention(project(query, 0), project(key, 1), project(value, 2))));
}

nn::Sequential adapter_mlp(int64_t width, int64_t hidden) {
  return nn::Sequential(linear(width, hidden), nn::GELU(), linear(hidden, width));
}

TemporalEncoderLayerImpl::TemporalEncoderLayerImpl(int64_t width, int64_t heads, int64_t hidden) {
  self_attn = register_module("self_attn", AdapterAttention(width, heads));
  linear1 = register_module("linear1", linear(width, hidden));
  linear2 = register_module("linear2", linear(hidden, width));
  norm1 = register_module("norm1", layer_norm(width));
  norm2 = register_module("norm2", layer_norm(width));
}

torch::Tensor TemporalEncoderLayerImpl::forward(const torch::Tensor& x) {
  const torch::Tensor h = norm1->forward(x);
  const torch::Tensor y = x + self_attn->forward(h, h, h);
  return y + linear2->forward(torch::gelu(linear1->forward(norm2->forward(y))));
}

TemporalTransformerImpl::TemporalTransformerImpl(int64_t width, int64_t layers_count, int64_t heads, int64_t hidden) {
  layers = register_module("layers", nn::ModuleList());
  for (int64_t j = 0; j < layers_count; ++j) layers->push_back(TemporalEncoderLayer(width, heads, hidden));
}

torch::Tensor TemporalTransformerImpl::forward(torch::Tensor x) {
  for (size_t j = 0; j < layers->size(); ++j) x = layers->ptr<TemporalEncoderLayerImpl>(j)->forward(x);
  return x;
}

AdaptationStepImpl::AdaptationStepImpl(int64_t input_width, int64_t width, int64_t heads, int64_t hidden,
                                       bool project) {
  if (project) input_proj = register_module("input_proj", linear(input_width, width));
  norm = register_module("norm", layer_norm(width));
  attn = register_module("attn", AdapterAttention(width, heads));
  mlp = register_module("mlp", adapter_mlp(width, hidden));
}

torch::Tensor AdaptationStepImpl::frames(const torch::Tensor& features) {
  return norm->forward(input_proj.is_empty() ? features : input_proj->forward(features));
}

torch::Tensor AdaptationStepImpl::update(const torch::Tensor& prompts, const torch::Tensor& frames) {
  const torch::Tensor attended = prompts + attn->forward(prompts, frames, frames);
  return attended + mlp->forward(attended);
}

ProgressiveAdaptationBlockImpl::ProgressiveAdaptationBlockImpl(const AdaptationConfig& config) : config_(config) {
  const bool project = !config.input_widths.empty();
  if (project && static_cast<int64_t>(config.input_widths.size()) != config.num_layers)
    throw ConfigError("AdaptationConfig: input_widths must be empty or list num_layers widths");
  const int64_t hidden = config.mlp_ratio * config.width;
  prompts = register_parameter("prompts", torch::empty({config.num_prompts, config.width}));
  positional_embedding = register_parameter(
      "positional_embedding", torch::empty({config.num_frames + config.num_prompts, config.width}));
  steps = register_module("steps", nn::ModuleList());
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const int64_t input_width = project ? config.input_widths[i] : config.width;
    steps->push_back(AdaptationStep(input_width, config.width, config.heads, hidden, project));
  }
  temporal = register_module("temporal",
                             TemporalTransformer(config.width, config.temporal_layers, config.heads, hidden));
  torch::NoGradGuard no_grad;
  nn::init::normal_(prompts, 0.0, kInitStd);
  nn::init::normal_(positional_embedding, 0.0, kInitStd);
}

torch::Tensor ProgressiveAdaptationBlockImpl::forward(const std::vector<torch::Tensor>& layer_features) {
  if (static_cast<int64_t>(layer_features.size()) != config_.num_layers)
    throw Error("ProgressiveAdaptationBlock expects features of " + std::to_string(config_.num_layers) +
                " backbone layers (adaptation.num_layers), got " + std::to_string(layer_features.size()));
  for (int64_t i = 0; i < config_.num_layers; ++i) {
    const int64_t input_width = config_.input_widths.empty() ? config_.width : config_.input_widths[i];
    check_features(layer_features[i], input_width, "features of backbone layer " + std::to_string(i + 1));
  }
  const int64_t batch = layer_features.front().size(0);
  torch::Tensor p = prompts.unsqueeze(0).expand({batch, -1, -1});  // P_0, shared by the batch
  torch::Tensor y;
  for (int64_t i = 0; i < config_.num_layers; ++i) {
    auto step = steps->ptr<AdaptationStepImpl>(i);
    y = step->frames(layer_features[i]);
    p = step->update(p, y);
  }
  if (y.size(1) != config_.num_frames)
    throw Error("the last backbone layer has " + std::to_string(y.size(1)) +
                " time steps but the positional embedding was built for adaptation.num_frames = " +
                std::to_string(config_.num_frames));
  const torch::Tensor tokens = torch::cat({y, p}, 1) + positional_embedding;  // [B, T + M, D]
  return temporal->forward(tokens).mean(1);
}

LockEncoderImpl::LockEncoderImpl(const AdaptationConfig& config) : config_(config) {
  if (!config.reads_embedding() && !config.input_widths.empty())
    input_proj = register_module("input_proj", linear(lock_input_width(config), config.width));
  positional_embedding = register_parameter("positional_embedding", torch::empty({config.num_frames, config.width}));
  temporal = register_module("temporal", TemporalTransformer(config.width, config.temporal_layers, config.heads,
                                                             config.mlp_ratio * config.width));
  torch::NoGradGuard no_grad;
  nn::init::normal_(positional_embedding, 0.0, kInitStd);
}

torch::Tensor LockEncoderImpl::forward(const torch::Tensor& frame_features) {
  check_features(frame_features, lock_input_width(config_), "LockEncoder frame features");
  if (frame_features.size(1) != config_.num_frames)
    throw Error("LockEncoder got " + std::to_string(frame_features.size(1)) +
                " time steps but its positional embedding was built for adaptation.num_frames = " +
                std::to_string(config_.num_frames));
  const torch::Tensor x = input_proj.is_empty() ? frame_features : input_proj->forward(frame_features);
  // ActionCLIP adds the un-embedded input back after the transformer.
  return (temporal->forward(x + positional_embedding) + x).mean(1);
}

VideoAdapterImpl::VideoAdapterImpl(const AdaptationConfig& config) {
  if (config.mode == "pab") {
    pab = register_module("pab", ProgressiveAdaptationBlock(config));
  } else if (config.mode == "lock_encoder") {
    lock_encoder = register_module("lock_encoder", LockEncoder(config));
  } else {
    throw ConfigError("AdaptationConfig: mode must be \"pab\" or \"lock_encoder\", not \"" + config.mode + "\"");
  }
}

torch::Tensor VideoAdapterImpl::forward(const std::vector<torch::Tensor>& layer_features) {
  if (!pab.is_empty()) return pab->forward(layer_features);
  if (layer_features.empty()) throw Error("VideoAdapter: no backbone features");
  return lock_encoder->forward(layer_features.back());
}

}  // namespace dap
