// dap-features: runs one model from a checkpoint on an input tensor file and
// writes every output it exposes to HDF5, so anyone can compare dap's models
// with another implementation (h5py, PyTorch, ...).
//
//   dap-features --model clip-visual --weights ViT-B-16.pt --input clip.pt --output features.h5
//
// The input file is a torch.save'd dict holding the tensor under "input"
// (clip-visual: float [B,T,3,H,W]; clip-text: int64 token ids [N,L];
// r2plus1d: float [B,3,T,H,W]; timesformer: float [B,T,3,H,W]).
//
// The stages' exports run on a backbone's layer features, the tensors
// "input.0", "input.1", ... of the dict ([B,T_i,D_i], shallow to deep):
//   --model adapter     adapter.pt of dap-pretrain (or model.pt): the video feature
//   --model classifier  model.pt of dap-finetune: video feature and class scores
//   --model dino-head   a dap-pretrain checkpoint: the teacher's DINO head on
//                       video features "input.0" [B, D]
// Each is built from the config stored in the file.
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/base/allocator.h"
#include "core/base/error.h"
#include "core/config/config_binding.h"
#include "core/config/config_tree.h"
#include "core/config/experiment_config.h"
#include "core/io/hdf5_handle.h"
#include "core/io/sha256.h"
#include "core/models/adapter_file.h"
#include "core/models/archive_entries.h"
#include "core/models/clip_weights.h"
#include "core/models/dino_head.h"
#include "core/models/r2plus1d.h"
#include "core/models/timesformer.h"
#include "core/models/torch_checkpoint.h"
#include "core/models/video_classifier.h"
#include "dap/version.h"

namespace {

using Outputs = std::map<std::string, torch::Tensor>;

// The config an adapter.pt or model.pt was trained with (its "config" entry).
dap::config::ExperimentConfig stored_config(const std::string& file) {
  if (!std::filesystem::is_regular_file(file)) throw dap::InputError("'" + file + "' does not exist");
  torch::serialize::InputArchive archive;
  archive.load_from(file);
  const std::filesystem::path text = std::filesystem::temp_directory_path() /
                                     ("dap-features-config-" + std::to_string(::getpid()) + ".lua");
  std::ofstream(text) << dap::read_text(archive, "config");
  const auto tree = dap::config::load_config(text.string());
  std::filesystem::remove(text);
  return dap::config::bind_config<dap::config::ExperimentConfig>(tree);
}

Outputs run_export(const std::string& model, const std::string& file, const std::vector<torch::Tensor>& features) {
  torch::NoGradGuard no_grad;
  const dap::config::ExperimentConfig config = stored_config(file);
  if (model == "dino-head") {
    dap::DinoHead head(config.pretrain.adapter.width, config.pretrain.head);
    torch::serialize::InputArchive archive, teacher, stored;
    archive.load_from(file);
    archive.read("teacher", teacher);
    teacher.read("head", stored);
    head->load(stored);
    head->eval();
    return {{"scores", head->forward(features.front())}};
  }
  const int64_t layers = config.pretrain.adapter.num_layers;
  if (static_cast<int64_t>(features.size()) < layers) {
    throw dap::InputError("the adaptation block reads " + std::to_string(layers) + " layers; the input has " +
                          std::to_string(features.size()));
  }
  const std::vector<torch::Tensor> last(features.end() - layers, features.end());
  if (model == "adapter") {
    dap::VideoAdapter adapter(config.pretrain.adapter);
    dap::load_adapter_weights(adapter, file, "--weights");
    adapter->eval();
    return {{"video_feature", adapter->forward(last)}};
  }
  dap::TrainedClassifier trained = dap::read_trained_classifier(config, file);
  return {{"video_feature", trained.model->adapter()->forward(last)}, {"logits", trained.model->scores(features)}};
}

Outputs run_model(const std::string& model, const std::string& weights_path, const torch::Tensor& input,
                  int64_t heads) {
  torch::NoGradGuard no_grad;
  if (model == "clip-visual") {
    const auto weights = dap::load_clip_weights(weights_path);
    auto visual = dap::build_clip_visual(weights, weights_path, heads);
    visual->eval();
    const auto out = visual->forward(input.to(torch::kFloat32), /*with_layer_cls=*/true);
    return {{"embedding", out.embedding}, {"layer_cls", out.layer_cls}, {"patch_tokens", out.patch_tokens}};
  }
  if (model == "clip-text") {
    const auto weights = dap::load_clip_weights(weights_path);
    auto text = dap::build_clip_text(weights, weights_path, heads);
    text->eval();
    return {{"text_features", text->forward(input.to(torch::kInt64))}};
  }
  if (model == "r2plus1d") {
    const auto weights = dap::load_torch_state_dict(weights_path);
    dap::R2Plus1dConfig config;  // R(2+1)D-34; the classifier size comes from the checkpoint
    const auto fc = weights.find("fc.weight");
    config.num_classes = fc == weights.end() ? 0 : fc->second.size(0);
    dap::R2Plus1d network(config);
    dap::load_r2plus1d(network, weights, weights_path, /*include_fc=*/config.num_classes > 0);
    network->eval();
    const auto out = network->forward(input.to(torch::kFloat32));
    Outputs outputs{{"logits", out.logits}, {"last_feature_map", out.last_feature_map}};
    for (size_t i = 0; i < out.stage_features.size(); ++i) {
      outputs["stage" + std::to_string(i + 1) + "_features"] = out.stage_features[i];
    }
    return outputs;
  }
  if (model == "timesformer") {
    // The sizes come from the checkpoint (released .pyth or a bare state dict).
    const auto state = dap::load_torch_state_dict(weights_path);
    dap::TimeSformerConfig config = dap::timesformer_config_from_weights(dap::timesformer_weights(state));
    if (heads > 0) config.heads = heads;
    dap::TimeSformer network(config);
    dap::load_timesformer(network, state, weights_path, /*include_head=*/config.num_classes > 0);
    network->eval();
    const auto out = network->forward(input.to(torch::kFloat32));
    return {{"logits", out.logits}, {"features", out.features}, {"layer_features", torch::stack(out.layer_features)}};
  }
  throw dap::Error("unknown --model '" + model +
                   "' (clip-visual, clip-text, r2plus1d, timesformer, adapter, classifier, dino-head)");
}

void write_outputs(const std::string& path, const Outputs& outputs, const std::string& model,
                   const std::string& weights_path) {
  dap::h5::disable_auto_error_printing();
  dap::h5::Handle file =
      dap::h5::check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate " + path);
  dap::h5::write_string_attribute(file.get(), "model", model);
  dap::h5::write_string_attribute(file.get(), "weights_sha256", dap::sha256_file(weights_path));
  dap::h5::write_string_attribute(file.get(), "producer", dap::kProducer);
  for (const auto& [name, tensor] : outputs) {
    if (!tensor.defined()) continue;
    const torch::Tensor values = tensor.to(torch::kFloat32).contiguous();
    std::vector<hsize_t> dims(values.sizes().begin(), values.sizes().end());
    dap::h5::write_float_array(file.get(), name, dims, values.data_ptr<float>());
    std::string shape;
    for (const hsize_t d : dims) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    std::printf("%-20s [%s]\n", name.c_str(), shape.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  dap::keep_freed_memory();
  CLI::App app{"Write a model's features for an input tensor to HDF5 (for comparison with other implementations)."};
  std::string model, weights, input_path, input_key = "input", output;
  int64_t heads = 0;
  app.add_option("--model", model,
                 "clip-visual | clip-text | r2plus1d | timesformer | adapter | classifier | dino-head")
      ->required();
  app.add_option("--weights", weights,
                 "checkpoint: OpenAI TorchScript archive or torch.save state dict; adapter.pt, model.pt, step_N.pt")
      ->required();
  app.add_option("--input", input_path, "torch.save'd dict holding the input tensor")->required();
  app.add_option("--input-key", input_key, "key of the input tensor in that dict (default: input)");
  app.add_option("--output", output, "HDF5 file to write")->required();
  app.add_option("--heads", heads, "CLIP / TimeSformer attention heads (0: width / 64, as the released models)");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto inputs = dap::load_torch_state_dict(input_path);
    Outputs outputs;
    if (model == "adapter" || model == "classifier" || model == "dino-head") {
      std::vector<torch::Tensor> features;
      for (auto it = inputs.find(input_key + ".0"); it != inputs.end();
           it = inputs.find(input_key + "." + std::to_string(features.size()))) {
        features.push_back(it->second.to(torch::kFloat32));
      }
      if (features.empty()) throw dap::InputError("'" + input_path + "' has no tensor named '" + input_key + ".0'");
      outputs = run_export(model, weights, features);
    } else {
      const auto it = inputs.find(input_key);
      if (it == inputs.end()) throw dap::InputError("'" + input_path + "' has no tensor named '" + input_key + "'");
      outputs = run_model(model, weights, it->second, heads);
    }
    write_outputs(output, outputs, model, weights);
    std::printf("wrote %zu output(s) of %s to %s\n", outputs.size(), model.c_str(), output.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dap-features: %s\n", e.what());
    return 1;
  }
}
