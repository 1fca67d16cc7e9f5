#!/usr/bin/python3
"""dap-evaluate's HTML report (results/report.html), opened in a real browser.

A small real run on the synthetic colour task (tests/python/synthetic_task.py,
lua/finetune_tiny.lua): two fine-tuning runs that differ in a setting (an
ablation row) and in their seed, each predicted, Grad-CAM of the first, then the
aggregation. Headless Chromium loads the report with a script this test adds
(the report has none) that records, for every image, whether it decoded, and
renders a screenshot. Checked:
- the page fetches nothing: every image is a data: URI, no script, link or url();
- every figure decoded (img.complete and naturalWidth > 0): both experiments'
  curves, both confusion matrices, the Grad-CAM pictures and the overview;
- the table has both rows with the runs' Top-1, and the ablated row names the
  settings that differ (finetune.optim.lr_new, finetune.seed), the first row none;
- the screenshot is not blank.
Skipped (77) when Chromium is not installed (scripts/install_deps.sh installs it)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from PIL import Image

import dap_test_support as support

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synthetic_task  # noqa: E402

CONFIG = "lua/finetune_tiny.lua"
problems = []

# Added before </body>: the browser's own verdict on every image, and the tables' shape.
PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,
                                                  width: i.naturalWidth}));
  const tables = [...document.querySelectorAll("table.results")].map(t => t.rows.length);
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({images: images, tables: tables});
  document.body.appendChild(pre);
});
</script>"""


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def chromium(browser, work, *args):
    """Headless Chromium (as root it needs --no-sandbox), its own profile folder."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={work}/chromium-profile", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def main():
    browser = chromium_binary()
    if not browser:
        print("skipped: chromium is not installed (apt-get install chromium; scripts/install_deps.sh)")
        sys.exit(support.SKIP)
    work = tempfile.mkdtemp(prefix="dap_report_")
    task = os.path.join(work, "task")
    synthetic_task.make_task(task)
    os.environ["DAP_TINY_TASK"] = task

    def run(ranks, program, *extra):
        args = ["--config", CONFIG, f"preprocess.output.root={work}/data", f"run.root={work}/runs", *extra]
        result = support.mpirun(ranks, program, args, timeout=300)
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-5000:])
        check(result.returncode == 0, f"{program} {' '.join(extra)}: exit {result.returncode}")
        return result

    # Two experiments (run folders) of two epochs each, from scratch: the second an ablation.
    common = ["finetune.init_adapter=none", "finetune.optim.epochs=2"]
    experiments = {"full": ["finetune.seed=0", "evaluate.result.row=full"],
                   "ablated": ["finetune.seed=1", "finetune.optim.lr_new=0.001", "evaluate.result.row=ablated"]}
    run(2, "dap-preprocess")
    for name, extra in experiments.items():
        run(2, "dap-finetune", f"run.name={name}", *common, *extra)
        run(2, "dap-evaluate", f"run.name={name}", *common, *extra)
    run(1, "dap-evaluate", "run.name=full", *common, *experiments["full"], "evaluate.task=gradcam",
        "evaluate.gradcam.clips=2", "evaluate.gradcam.frames=4")
    results = os.path.join(work, "results")
    folders = [os.path.join(work, "runs", name) for name in experiments]
    run(1, "dap-evaluate", "run.name=full", "evaluate.task=aggregate", f"evaluate.aggregate.output={results}",
        "evaluate.aggregate.runs={" + ",".join(f'"{f}"' for f in folders) + "}")
    report = os.path.join(results, "report.html")
    if problems or not os.path.exists(report):
        check(os.path.exists(report), "report.html written beside the tables")
        print(f"{len(problems)} problem(s); outputs kept in {work}")
        sys.exit(1)

    with open(report) as f:
        html = f.read()
    sources = re.findall(r'\bsrc="([^"]*)"', html)
    check(sources and all(s.startswith("data:image/png;base64,") for s in sources),
          "every image is an embedded PNG")
    check(not re.search(r"<script|<link|url\(|@import|https?://", html, re.I), "the report fetches nothing")

    probed = os.path.join(work, "probed.html")
    with open(probed, "w") as out:
        out.write(html.replace("</body>", PROBE + "\n</body>"))
    dom = chromium(browser, work, "--dump-dom", "file://" + probed)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    check(found is not None, f"the page's probe ran in Chromium (exit {dom.returncode}): {dom.stderr[-1500:]}")
    if found:
        probe = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
        images = probe["images"]
        broken = [i["alt"] for i in images if not i["ok"]]
        print(f"{len(images)} images, broken: {broken}")
        check(not broken, f"every image decoded in the browser; broken: {broken}")
        alts = " | ".join(i["alt"] for i in images)
        # The overview, then per experiment loss, train top-1 and confusion; Grad-CAM of two clips.
        for expected in ["fine-tuning loss of every experiment", "full: fine-tuning loss",
                         "full: fine-tuning train top-1", "ablated: fine-tuning loss",
                         "ablated: fine-tuning train top-1", "split1-seed0: confusion matrix",
                         "split1-seed1: confusion matrix", "split1-seed0: Grad-CAM of clip"]:
            check(expected in alts, f"a figure '{expected}' in the report ({alts})")
        check(len(images) == 9, f"9 figures (overview, 2 x (loss, top-1, confusion), 2 Grad-CAM), got {len(images)}")
        check(probe["tables"] == [3], f"one table of a header and two rows: {probe['tables']}")

    with open(os.path.join(results, "results.json")) as f:
        tables = json.load(f)["tables"]["Tiny colour task"]
    for row in experiments:
        mean = tables[row]["Top-1"]["mean"]
        check(f"<tr><th>{row}</th><td class=\"number\">{mean:.2f} &plusmn;" in html, f"row {row} with Top-1 {mean:.2f}")
    ablated = html[html.index("<tr><th>ablated</th>"):]
    ablated = ablated[: ablated.index("</tr>")]
    check("finetune.optim.lr_new = 0.001" in ablated and "finetune.seed = 1" in ablated,
          f"the ablated row names the settings that differ: {ablated}")
    check("run.name = &quot;ablated&quot;" in ablated, "the run name differs too")
    check("evaluate.result.row" not in ablated, "the row label itself is not listed")
    check("(the reference row)" in html, "the first row is marked as the reference")

    screenshot = os.path.join(work, "report.png")
    shot = chromium(browser, work, f"--screenshot={screenshot}", "--window-size=1400,3000", "file://" + report)
    check(os.path.exists(screenshot), f"Chromium wrote a screenshot (exit {shot.returncode}): {shot.stderr[-1500:]}")
    if os.path.exists(screenshot):
        image = Image.open(screenshot).convert("RGB")
        counts = image.getcolors(1 << 24)  # [(count, colour)]
        white = sum(n for n, colour in counts if colour == (255, 255, 255))
        non_white = 1 - white / (image.width * image.height)
        colours = len(counts)
        print(f"screenshot {image.size}: {100 * non_white:.1f}% non-white pixels, {colours} colours")
        check(image.size == (1400, 3000), f"screenshot size {image.size}")
        check(non_white > 0.03 and colours > 50, "the screenshot shows text and figures, not a blank page")

    if problems:
        print(f"{len(problems)} problem(s); outputs kept in {work}")
        sys.exit(1)
    shutil.rmtree(work)
    print("all checks passed")


if __name__ == "__main__":
    main()
