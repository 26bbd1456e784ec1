"""Checks that a model directory written by `sigtune train` loads in transformers and gives the logits
`sigtune predict` prints (the recipe's torchvision preprocessing on the same images).

Run from the repository root after `make release`, in the reference environment (see README.md):

    ~/sigtune-ref/bin/python Tests/Fixtures/check_export.py

It trains the tiny fixture model for two epochs on Tests/Fixtures/reference/trainer/dataset into a
temporary directory, then compares. Exit status 0 when every logit agrees within 1e-5. Nothing is
downloaded. (`swift test` does not need this script: it is the cross-check with the real library.)
"""
import json
import subprocess
import sys
import tempfile

import torch
from PIL import Image
from torchvision import transforms as T
from transformers import SiglipForImageClassification

SIGTUNE = ".build/release/sigtune"
IMAGES = ["Tests/Fixtures/images/png_rgb8.png", "Tests/Fixtures/images/jpeg_420_300x200.jpg",
          "Tests/Fixtures/images/png_tall_17x500.png"]

with tempfile.TemporaryDirectory() as out:
    subprocess.run([SIGTUNE, "train", "--data", "Tests/Fixtures/reference/trainer/dataset",
                    "--model", "Tests/Fixtures/models/tiny32", "--output", out, "--num-train-epochs", "2",
                    "--learning-rate", "1e-3", "--per-device-train-batch-size", "8"], check=True, capture_output=True)
    lines = subprocess.run([SIGTUNE, "predict", "--model", out, "--logits", *IMAGES], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    ours = {o["image"]: o["logits"] for o in map(json.loads, lines)}
    model = SiglipForImageClassification.from_pretrained(out, attn_implementation="eager").eval()
    size = model.config.vision_config.image_size
    transform = T.Compose([T.Resize((size, size)), T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])
    worst = 0.0
    for path in IMAGES:
        with torch.no_grad():
            reference = model(pixel_values=transform(Image.open(path).convert("RGB")).unsqueeze(0)).logits[0]
        difference = (torch.tensor(ours[path]) - reference).abs().max().item()
        worst = max(worst, difference)
        print(f"{path}: sigtune {ours[path][:3]} transformers {reference.tolist()[:3]} max |Δ| {difference:.2e}")
    print(f"problem_type {model.config.problem_type}, labels {model.config.id2label}")
    sys.exit(0 if worst <= 1e-5 else 1)
