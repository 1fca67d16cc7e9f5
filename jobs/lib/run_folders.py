"""What a run folder says about the pipeline's tasks: their output folders, whether
each is complete for given settings, and how far a running one got. Shared by
jobs/lib/plan_tasks.py (what a resubmission must redo) and jobs/lib/status.py.
Python 3 standard library only. Paths relative to the repository root, as the
configs' are: run the callers from it.

The settings of a finished output are the config.lua its stage wrote beside it (the
fully resolved config, src/core/run/run_layout.h); a task is complete when its outputs
exist, are newer than that config.lua and than the files they were made from, and that
config.lua agrees with the new one on every key the result depends on (FINGERPRINTS).
Run settings (threads, loader, checkpoints, device, ...) may differ, as when a
checkpoint is resumed (src/core/config/training_config.h: without_run_settings)."""

import hashlib
import json
import os
import re

# The keys (dotted prefixes) each task's result depends on, upstream stages included.
_PREPROCESS = ["preprocess.data.", "preprocess.sampling.", "preprocess.resize.", "preprocess.enhancer."]
_PRETRAIN = _PREPROCESS + ["run.split", "run.seed_scope", "pretrain."]
_FINETUNE = _PRETRAIN + ["finetune.", "evaluate.model", "evaluate.data.", "evaluate.output", "evaluate.result."]
FINGERPRINTS = {"preprocess": _PREPROCESS, "pretrain": _PRETRAIN, "finetune": _FINETUNE}

# Keys that change how, not what, is computed (or where inputs lie): never part of a
# fingerprint. The preprocess keys above are those of dap-preprocess's own settings hash
# (src/core/data/preprocessed_folder.cpp), which names the shard folder.
_RUN_SETTINGS = re.compile(
    r"^(pretrain|finetune)\.(loader|checkpoint|device|precision|overlap_allreduce|log_every_steps|threads|"
    r"feature_cache|optim\.max_steps|data\.shards)\b"
    r"|^evaluate\.data\.shards$")


def parse_config(text):
    """The resolved config (config_to_lua's text: one setting per line) as {dotted.key: value text}."""
    flat, path = {}, []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("--") or line == "return {":
            continue
        if line in ("}", "},"):
            path = path[:-1]
            continue
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*) = (.*?),?$", line)
        if not match:
            continue
        key, value = match.groups()
        if value == "{":
            path.append(key)
        else:
            flat[".".join(path + [key])] = value
    return flat


def read_config(path):
    try:
        with open(path, encoding="utf-8") as f:
            return parse_config(f.read())
    except OSError:
        return None


def value(config, key):
    """A leaf's value as a plain string (quotes removed)."""
    text = config.get(key, "")
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def for_task(config, seed=None, split=None, scope=None):
    """The config a task runs with: the jobs' overrides (jobs/lib/seeds_splits.sh) applied."""
    task = dict(config)
    if scope:
        task["run.seed_scope"] = f'"{scope}"'
    if split is not None:
        task["run.split"] = f'"{split}"'
    if seed is not None:
        task["finetune.seed"] = str(seed)
        if value(task, "run.seed_scope") == "chain":
            task["pretrain.seed"] = str(seed)
    return task


def fingerprint_keys(config, stage):
    prefixes = FINGERPRINTS[stage]
    return {k: v for k, v in config.items()
            if any(k == p or k.startswith(p) for p in prefixes) and not _RUN_SETTINGS.search(k)}


def settings_differ(stored, wanted, stage):
    """None when the two configs agree on what `stage`'s result depends on, else the first difference."""
    if stored is None:
        return "no config.lua"
    a, b = fingerprint_keys(stored, stage), fingerprint_keys(wanted, stage)
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            return f"{key} was {a.get(key, '(unset)')}, now {b.get(key, '(unset)')}"
    return None


def fingerprint(config, stage):
    text = "\n".join(f"{k}={v}" for k, v in sorted(fingerprint_keys(config, stage).items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


# ---- where each task writes (src/core/run/run_layout.cpp)

def run_folder(config):
    return os.path.join(value(config, "run.root"), value(config, "run.name"))


def pretrain_folder(config):
    split, tag = value(config, "run.split"), ""
    if split:
        tag = "split" + split
    if value(config, "run.seed_scope") == "chain":
        tag += ("-" if tag else "") + "seed" + value(config, "pretrain.seed")
    folder = os.path.join(run_folder(config), "pretrain")
    return os.path.join(folder, tag) if tag else folder


def finetune_tag(config):
    split = value(config, "run.split")
    return (f"split{split}-" if split else "") + "seed" + value(config, "finetune.seed")


def finetune_folder(config):
    return os.path.join(run_folder(config), "finetune", finetune_tag(config))


def evaluate_folder(config):
    output = value(config, "evaluate.output")
    if output:
        return output.replace("{seed}", value(config, "pretrain.seed"))
    return os.path.join(run_folder(config), "evaluate", finetune_tag(config))


def finetune_inputs(config):
    """Files a fine-tuning result was made from (besides the shards)."""
    files = [value(config, "pretrain.backbone.weights"), value(config, "finetune.head.text.weights")]
    adapter = value(config, "finetune.init_adapter")
    files.append(os.path.join(pretrain_folder(config), "adapter.pt") if adapter == "pretrain"
                 else "" if adapter == "none" else adapter)
    if value(config, "finetune.labels.source") == "pseudo":
        files.append(value(config, "finetune.labels.predictions").replace("{seed}", value(config, "pretrain.seed")))
    return [f for f in files if f]


def _newer_input(inputs, than):
    for path in inputs:
        t = mtime(path)
        if t is not None and t > than:
            return f"{path} changed after it"
    return None


# ---- is a task complete? Each returns (complete, why).

def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shard_folder(config):
    """The folder dap-preprocess writes for these settings: output.dir, or the
    root/<data.name>-<hash> whose index.json was written with the same settings."""
    explicit = value(config, "preprocess.output.dir")
    if explicit:
        return explicit
    root, name = value(config, "preprocess.output.root"), value(config, "preprocess.data.name")
    try:
        candidates = sorted(e for e in os.listdir(root) if re.fullmatch(re.escape(name) + r"-[0-9a-f]{12}", e))
    except OSError:
        return None
    for entry in candidates:
        index = _read_json(os.path.join(root, entry, "index.json"))
        if index and settings_differ(parse_config(index.get("config", "")), config, "preprocess") is None:
            return os.path.join(root, entry)
    return None


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def preprocess_complete(config):
    folder = shard_folder(config)
    index = _read_json(os.path.join(folder, "index.json")) if folder else None
    if index is None:
        return False, "no shards for these settings yet"
    why = settings_differ(parse_config(index.get("config", "")), config, "preprocess")
    if why:
        return False, why
    if index.get("num_failures", 0) or index.get("num_videos") != index.get("manifest_videos"):
        return False, f"{index.get('num_videos')} of {index.get('manifest_videos')} videos stored; retrying the rest"
    manifest = value(config, "preprocess.data.manifest")
    if (mtime(manifest) or 0) > (mtime(os.path.join(folder, "index.json")) or 0):
        return False, f"{manifest} changed after the shards were written"
    weights = value(config, "preprocess.enhancer.weights")
    if value(config, "preprocess.enhancer.name") == "sci" and os.path.exists(weights) and \
            _sha256_file(weights) != index.get("enhancer_weights_sha256"):
        return False, f"{weights} changed"
    for shard in index.get("shards", []):
        path = os.path.join(folder, shard["file"])
        try:
            with open(path + ".sha256", encoding="utf-8") as f:
                checksum = f.read().split()[0]
        except (OSError, IndexError):
            return False, f"{path}: no checksum"
        if checksum != shard.get("sha256") or mtime(path) is None or os.path.getsize(path) != shard.get("bytes"):
            return False, f"{path} differs from the index"
    return True, f"{len(index.get('shards', []))} shard(s) complete and checksummed in {folder}"


def pretrain_complete(task):
    folder = pretrain_folder(task)
    adapter, config_lua = os.path.join(folder, "adapter.pt"), os.path.join(folder, "config.lua")
    done, started = mtime(adapter), mtime(config_lua)
    if done is None or started is None or done < started:
        return False, "no finished adapter.pt"
    why = settings_differ(read_config(config_lua), task, "pretrain")
    if why:
        return False, "settings changed: " + why
    why = _newer_input([value(task, "pretrain.init_adapter"), value(task, "pretrain.backbone.weights")], done)
    if why:
        return False, why
    return True, f"{adapter} finished with the same settings"


def finetune_complete(task):
    folder, evaluated = finetune_folder(task), evaluate_folder(task)
    model = os.path.join(folder, "model.pt")
    trained, started = mtime(model), mtime(os.path.join(folder, "config.lua"))
    if trained is None or started is None or trained < started:
        return False, "no finished model.pt"
    predicted = mtime(os.path.join(evaluated, "metrics.json"))
    if predicted is None or mtime(os.path.join(evaluated, "predictions.h5")) is None or predicted < trained:
        return False, "no predictions of the finished model"
    for config_lua in (os.path.join(folder, "config.lua"), os.path.join(evaluated, "config.lua")):
        why = settings_differ(read_config(config_lua), task, "finetune")
        if why:
            return False, "settings changed: " + why
    why = _newer_input(finetune_inputs(task), trained)
    if why:
        return False, why
    return True, f"{evaluated}/metrics.json from the same settings"


def aggregate_complete(results_json, runs):
    """Tables newer than every metrics.json below the runs they aggregate."""
    made = mtime(results_json)
    if made is None:
        return False, "no tables yet"
    for run in runs:
        evaluate = os.path.join(run, "evaluate")
        for tag in sorted(os.listdir(evaluate)) if os.path.isdir(evaluate) else []:
            t = mtime(os.path.join(evaluate, tag, "metrics.json"))
            if t is not None and t > made:
                return False, f"{evaluate}/{tag}/metrics.json is newer"
    return True, f"{results_json} is newer than every metrics.json"


# ---- progress of a training run (metrics.jsonl, one line per logged step)

def training_progress(folder, log_text):
    """(step, total steps, epoch, eta seconds or None) of a training run folder, or None.
    The stage's log gives the steps of this run ("steps A..B of T"); the rate is the steps
    logged since config.lua was written (the run's start) over the time since."""
    try:
        with open(os.path.join(folder, "metrics.jsonl"), "rb") as f:
            f.seek(max(0, os.path.getsize(f.name) - 4096))
            line = f.read().decode("utf-8", "replace").strip().splitlines()[-1]
        last = json.loads(line)
    except (OSError, ValueError, IndexError):
        return None
    step, epoch = int(last.get("step", 0)), int(last.get("epoch", 0))
    plans = re.findall(r"steps (\d+)\.\.(\d+) of (\d+)", log_text or "")
    first, end, total = (int(x) for x in plans[-1]) if plans else (0, None, None)
    eta = None
    start, now = mtime(os.path.join(folder, "config.lua")), mtime(os.path.join(folder, "metrics.jsonl"))
    if end and start and now and step > first and now > start:
        eta = (end - step) * (now - start) / (step - first)
    return step, total, epoch, eta
