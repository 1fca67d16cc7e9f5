"""Loading what dap's stages write, into the modules of dap_data.modules:
adapter.pt (dap-pretrain), model.pt (dap-finetune) and pretraining checkpoints.
These are libtorch archives: torch.jit.load opens them, and each holds the
config it was trained with, from which the modules are sized."""
import json

import torch

from .lua_config import parse_config
from .modules import DinoHead, VideoAdapter, VideoClassifier


def read_export(path):
    """(state_dict, config as nested dicts, archive) of a dap adapter.pt, model.pt or checkpoint."""
    archive = torch.jit.load(path, map_location="cpu")
    if not hasattr(archive, "config"):
        raise ValueError(f"'{path}' holds no config: not an adapter.pt, model.pt or checkpoint of dap")
    return {k: v.clone() for k, v in archive.state_dict().items()}, parse_config(archive.config), archive


def adapter_from_config(config):
    """A fresh VideoAdapter sized by pretrain.adapter of a resolved config."""
    c = dict(config["pretrain"]["adapter"])
    c["input_widths"] = list(c["input_widths"] or [])
    return VideoAdapter(**c)


def _with_prefix(state, prefix, drop=()):
    return {k[len(prefix):]: v for k, v in state.items()
            if k.startswith(prefix) and not any(k[len(prefix):].startswith(d) for d in drop)}


def _load(module, state, path):
    try:
        module.load_state_dict(state)
    except RuntimeError as e:
        raise ValueError(f"'{path}' does not fit the modules its config describes: {e}") from None
    return module.eval()


def load_adapter(path):
    """The adaptation block of an adapter.pt (or of a model.pt), in eval mode."""
    state, config, _ = read_export(path)
    prefix = "adapter." if any(k.startswith("adapter.") for k in state) else "model.adapter."
    adapter = adapter_from_config(config)
    return _load(adapter, _with_prefix(state, prefix), path)


def load_classifier(path):
    """dap-finetune's model.pt without its backbone: VideoClassifier (eval mode)
    with class_names; scores from a backbone's layer features."""
    state, config, archive = read_export(path)
    if not any(k.startswith("model.adapter.") for k in state):
        raise ValueError(f"'{path}' is not a model.pt of dap-finetune")
    head = config["finetune"]["head"]
    adapter_config = config["pretrain"]["adapter"]
    class_names = json.loads(archive.class_names)
    classifier = VideoClassifier(
        adapter_from_config(config), len(class_names), head=head["kind"], embed_dim=head["text"]["encoder"]["embed_dim"],
        logit_scale=head["text"]["logit_scale"],
        reads_embedding=adapter_config["mode"] == "lock_encoder" and adapter_config["lock_input"] == "embedding",
        class_names=class_names, num_templates=len(head["text"]["templates"]),
        ensemble=head["text"].get("ensemble", "embeddings"))
    kept = _with_prefix(state, "model.", drop=("backbone.", "text_encoder.", "prompt_tokens"))
    return _load(classifier, kept, path)


def load_dino_head(path, network="teacher"):
    """The DINO head of a dap-pretrain checkpoint (checkpoints/step_N.pt), teacher's or student's."""
    state, config, _ = read_export(path)
    head = config["pretrain"]["head"]
    module = DinoHead(config["pretrain"]["adapter"]["width"], head["hidden_dim"], head["bottleneck_dim"],
                      head["out_dim"])
    return _load(module, _with_prefix(state, f"{network}.head."), path)
