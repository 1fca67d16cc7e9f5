// dap-evaluate: checks the settings every task shares, sets the threads and
// runs the task evaluate.task names.
#include "evaluate/evaluate_tasks.h"

#include "core/base/blas_threads.h"
#include "core/base/error.h"
#include "core/config/config_binding.h"
#include "core/models/torch_threads.h"
#include "evaluate/evaluated_model.h"

namespace dap {

int run_evaluate(const StageContext& stage) {
  const auto& c = stage.config.evaluate;
  const auto fail = [&](const std::string& key, const std::string& what) {
    throw ConfigError(config::format_config_error(stage.tree.origin_of(key), key, what));
  };
  if (zero_shot(c)) {
    const auto& backbone = stage.config.pretrain.backbone;
    const auto& head = stage.config.finetune.head;
    if (backbone.kind != "clip_vit" || head.kind != "text") {
      fail("evaluate.model", "zeroshot needs pretrain.backbone.kind = \"clip_vit\" and finetune.head.kind = \"text\"");
    }
    if (backbone.clip.output_dim != head.text.encoder.embed_dim) {
      fail("finetune.head.text.encoder.embed_dim",
           "must equal pretrain.backbone.clip.output_dim (" + std::to_string(backbone.clip.output_dim) +
               ") for zero-shot matching");
    }
  }
  if (c.task == "gradcam" && zero_shot(c)) fail("evaluate.model", "gradcam needs a fine-tuned model, not zeroshot");
  set_torch_threads(c.threads.intra_op);
  set_openblas_threads(c.threads.openblas);
  if (c.task == "aggregate") return run_aggregate(stage);
  if (c.task == "gradcam") return run_gradcam(stage);
  return run_predict(stage);
}

}  // namespace dap
