#!/usr/bin/env python3
"""Training reference-fixture generator for sigtune (RNG streams, augmentation, metrics, gradients, AdamW, LR
schedules and one complete short `Trainer` run of the blog recipe).

What it writes (all under Tests/Fixtures/, next to this script; README.md section "Training fixtures" names every
file, key and tensor):
  Group 1
    reference/rng.json                 MT19937 raw outputs, torch.randperm, the DataLoader/train-transform draw stream,
                                       imblearn RandomOverSampler(random_state=83) indices
    reference/metrics_cases.json       scikit-learn 1.9 metrics on fixed single-label and multi-label predictions
    reference/augment.safetensors      Pillow rotate / sharpness / flip results (U8 [H,W,3]) and 12 outputs of the
                                       full recipe train transform (F32 [3,32,32])
  Group 2
    models/tiny32-regression/          SiglipForImageClassification, num_labels 1, problem_type "regression"
    reference/gradients.safetensors    loss, logits and every parameter gradient of tiny32, tiny32-multilabel,
                                       tiny32-regression (F32); reference/gradients_tiny48.safetensors: tiny48
                                       (split in two to keep each file under 2.5 MB)
    reference/adamw.safetensors/.json  10 Trainer-style fused-AdamW steps on tiny32 (+ clipping + linear warmup)
    reference/schedules.json           get_scheduler multipliers, TrainingArguments.get_warmup_steps
  Group 3
    reference/trainer/                 a generated 3-class ImageFolder, its split, the initial model, and the exact
                                       record of evaluate() / train() / evaluate() / predict() with the recipe's
                                       TrainingArguments (run.json, args.json, split.json, final_model.safetensors)

How to run (from the repository root; needs the fixtures of make_reference.py, i.e. images/ and models/tiny32,
tiny48, tiny32-multilabel, which it reads but never rewrites):
  ~/sigtune-ref/bin/python Tests/Fixtures/make_training_reference.py
Optional: `--groups 1,2` regenerates only those groups. Runtime about 20 s on 2 cores (torch single-threaded). The script also asserts
the documented formulas (MT19937 recurrence, randperm, the angle / sharpness-decision formulas, RandomOverSampler,
AdamW fused math, the linear schedule, the eval-loss average ...) and stops if one does not hold.

Determinism: every random quantity comes from a fixed seed, torch runs single-threaded, everything is written in a
fixed order, temporary paths are replaced by placeholders, and wall-clock fields of the Trainer's log history (`*_runtime`, `*_per_second`,
`*_preparation_time`) are replaced by null, so two runs give byte-identical files (checked with sha256).
Nothing is downloaded: models are random-init from configs, the dataset is generated locally and loaded with the
local `imagefolder` builder into a temporary cache; HF_HUB_OFFLINE=1.
"""

import argparse
import contextlib
import copy
import io
import json
import math
import os
import platform
import re
import shutil
import struct
import sys
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ACCELERATE_DISABLE_RICH", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
import transformers  # noqa: E402
from PIL import Image, ImageEnhance  # noqa: E402
from safetensors.numpy import save_file as save_np  # noqa: E402
from safetensors.torch import save_file as save_pt  # noqa: E402
from torchvision import transforms as T  # noqa: E402
from torchvision.transforms import functional as TF  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
torch.set_num_threads(1)

HERE = Path(__file__).resolve().parent
MB = 1024 * 1024


def log(*a):
    print(*a, flush=True)


def dump_json(path: Path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def f32_hex(x) -> str:
    return "0x%08X" % struct.unpack("<I", struct.pack("<f", float(x)))[0]


def f32(x) -> float:
    return float(np.float32(x))


# =====================================================================================================================
# Group 1a: RNG
# =====================================================================================================================

class MT19937:
    """Reference MT19937 (Matsumoto & Nishimura 1998, init_genrand), used to assert numpy's and torch's streams."""

    def __init__(self, seed):
        self.mt = [0] * 624
        self.mt[0] = seed & 0xFFFFFFFF
        for i in range(1, 624):
            self.mt[i] = (1812433253 * (self.mt[i - 1] ^ (self.mt[i - 1] >> 30)) + i) & 0xFFFFFFFF
        self.i = 624

    def next_u32(self):
        if self.i >= 624:
            mt = self.mt
            for k in range(624):
                y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7FFFFFFF)
                mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.i = 0
        y = self.mt[self.i]
        self.i += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def random64(self):
        hi = self.next_u32()
        return (hi << 32) | self.next_u32()


MT_SEEDS = [0, 1, 42, 83, 5489, 4294967295]
RANDPERM_CASES = [(1, 42), (2, 42), (10, 42), (33, 43), (100, 44), (1000, 45)]
STREAM_SAMPLES = 12


def randperm_emulated(n, seed):
    mt = MT19937(seed)
    r = list(range(n))
    for i in range(n - 1):
        z = mt.next_u32() % (n - i)
        r[i], r[i + z] = r[i + z], r[i]
    return r


def rng_mt19937():
    out, checks = [], {}
    for s in MT_SEEDS:
        rs = np.random.RandomState(s)
        via_randint = [int(rs.randint(0, 2 ** 32, dtype=np.uint64)) for _ in range(10)]
        raw = [int(v) for v in np.random.RandomState(s)._bit_generator.random_raw(10)]
        assert via_randint == raw, ("randint(0, 2**32, uint64) is not one raw draw per value", s)
        mt = MT19937(s)
        ref = [mt.next_u32() for _ in range(10)]
        assert raw == ref, ("numpy legacy seeding != init_genrand", s)
        # torch: random_(-2**63, None) on int64 is random64() = (u32_first << 32) | u32_second, unmodified
        g = torch.Generator().manual_seed(s)
        t = torch.empty(5, dtype=torch.int64).random_(-2 ** 63, None, generator=g).tolist()
        tu = []
        for v in t:
            v &= (1 << 64) - 1
            tu += [v >> 32, v & 0xFFFFFFFF]
        assert tu == ref, ("torch full-range int64 random_ != MT19937", s)
        # torch.randint(0, 2**32) on int64: range >= 2^32 takes random64() % 2^32 = the SECOND u32 of each pair
        g = torch.Generator().manual_seed(s)
        assert torch.randint(0, 2 ** 32, (5,), generator=g, dtype=torch.int64).tolist() == ref[1::2]
        # torch.empty((), int64).random_() = random64() % 2^63 (the DataLoader base_seed draw)
        g = torch.Generator().manual_seed(s)
        v = torch.empty((), dtype=torch.int64).random_(generator=g).item()
        assert v == ((ref[0] << 32) | ref[1]) % (1 << 63)
        # torch.rand (float32): (u32 & 0xFFFFFF) * 2^-24, one u32 per value
        g = torch.Generator().manual_seed(s)
        assert torch.rand(10, generator=g).tolist() == [(u & 0xFFFFFF) * 2.0 ** -24 for u in ref]
        out.append({"seed": s, "u32": ref})
    checks["mt19937"] = ("numpy RandomState(seed).randint(0, 2**32, dtype=uint64) == RandomState(seed)._bit_generator."
                         "random_raw() (one raw draw per value) == reference init_genrand MT19937 (in the script) == "
                         "torch.Generator().manual_seed(seed): int64 random_(-2**63, None) gives (u0<<32)|u1; "
                         "randint(0, 2**32, int64) gives u1, u3, ... (random64() % 2^32); empty((),int64).random_() "
                         "gives random64() % 2^63; torch.rand(float32) gives (u & 0xFFFFFF) * 2^-24")
    return out, checks


def rng_randperm():
    out = []
    for n, seed in RANDPERM_CASES:
        p = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
        assert p == randperm_emulated(n, seed), ("randperm emulation", n, seed)
        out.append({"n": n, "seed": seed, "perm": p})
    return out


def rng_dataloader_stream():
    """torch.manual_seed(42), then what iter(DataLoader) + 12 train-transform calls + a second iter() consume."""
    torch.manual_seed(42)
    base_seed = torch.empty((), dtype=torch.int64).random_().item()
    samples = []
    for _ in range(STREAM_SAMPLES):
        angle = T.RandomRotation.get_params([-90.0, 90.0])
        r = torch.rand(1).item()
        samples.append((angle, r))
    second = torch.empty((), dtype=torch.int64).random_().item()

    # REFERENCE.md 3.6 formulas on the raw MT19937 stream of seed 42
    mt = MT19937(42)
    assert base_seed == mt.random64() % (1 << 63)
    rec = []
    for angle, r in samples:
        ua = mt.next_u32()
        a_ref = f32(((ua & 0xFFFFFF) * 2.0 ** -24) * 180.0 - 90.0)
        assert angle == a_ref, ("angle formula", angle, a_ref)
        assert f32(angle) == angle
        us = mt.next_u32()
        u = (us & 0xFFFFFF) * 2.0 ** -24
        assert r == u and (r < 0.5) == ((us >> 23) & 1 == 0)
        rec.append({"angle": angle, "angle_repr": repr(angle), "angle_f32_hex": f32_hex(angle), "angle_u32": ua,
                    "sharpness_r": r, "sharpness_u32": us, "sharpness_applied": bool(r < 0.5)})
    assert second == mt.random64() % (1 << 63)
    return {
        "seed": 42,
        "description": "torch.manual_seed(42); base_seed = torch.empty((), dtype=torch.int64).random_().item() "
                       "(one iter(DataLoader)); then per sample: angle = RandomRotation.get_params([-90.0, 90.0]), "
                       "r = torch.rand(1).item() (RandomAdjustSharpness applies iff r < 0.5); then "
                       "second_random64 = the next iter(DataLoader) draw (e.g. an evaluation).",
        "base_seed": str(base_seed),
        "samples": rec,
        "second_random64": str(second),
        "checked": "REFERENCE.md 3.6 holds: base_seed = random64() % 2^63 with random64 = (u32_first << 32) | "
                   "u32_second; angle = f32(((u & 0xFFFFFF) * 2^-24) * 180.0 - 90.0) computed in double; "
                   "sharpness applies iff bit 23 of its u32 is 0; two u32 per sample, in that order",
    }


def oversample_emulated(y, seed=83):
    """REFERENCE.md 5.1: sorted classes, majority = first with max count; choice = masked-rejection randint."""
    rs = np.random.RandomState(seed)
    classes, counts = np.unique(y, return_counts=True)
    n_max = counts.max()
    idx = list(range(len(y)))
    for c, n in zip(classes, counts):
        if n == n_max and c == classes[np.argmax(counts)]:
            continue
        need = n_max - n
        pool = np.flatnonzero(y == c)
        rng = len(pool) - 1
        mask = 0
        while mask < rng:
            mask = (mask << 1) | 1
        for _ in range(need):
            if rng == 0:
                v = 0
            else:
                while True:
                    v = int(rs._bit_generator.random_raw()) & mask
                    if v <= rng:
                        break
            idx.append(int(pool[v]))
    return idx


def rng_oversample():
    from imblearn.over_sampling import RandomOverSampler
    g = np.random.default_rng(60)
    y60 = np.array([0] * 30 + [1] * 15 + [2] * 10 + [3] * 5)
    g.shuffle(y60)
    cases = [
        ("three_classes", np.array([0, 0, 0, 1, 1, 2])),
        ("unsorted_labels", np.array([2, 2, 1, 0, 0, 0, 0, 1])),
        ("sixty_samples_four_classes_30_15_10_5", y60),
        ("string_labels", np.array(["b", "a", "a", "c", "a"])),
        ("tied_majority", np.array([1, 1, 1, 0, 0, 0, 2])),
        ("singleton_class", np.array([0, 0, 0, 0, 1, 2, 2])),
    ]
    out = []
    for name, y in cases:
        X = np.arange(len(y)).reshape(-1, 1)
        ros = RandomOverSampler(random_state=83)
        Xr, yr = ros.fit_resample(X, y)
        si = [int(i) for i in ros.sample_indices_]
        assert si == [int(v) for v in Xr[:, 0]]
        assert si == oversample_emulated(y), ("RandomOverSampler emulation", name)
        conv = (lambda v: str(v)) if y.dtype.kind in "US" else int
        out.append({"name": name, "y": [conv(v) for v in y], "sample_indices": si,
                    "y_resampled": [conv(v) for v in yr]})
    return out


def write_rng(ref_dir: Path):
    mt, checks = rng_mt19937()
    stream = rng_dataloader_stream()
    obj = {
        "mt19937": mt,
        "randperm": rng_randperm(),
        "dataloader_stream": stream,
        "oversample": rng_oversample(),
        "checks": checks,
    }
    angles = augment_angles(stream)
    obj["augment_rotation_angles"] = {
        "note": "the angles of augment.safetensors rotate/<source>/<key>: the 13 fixed ones, then the 12 "
                "dataloader_stream angles (float32 values as Python floats); key = Python repr(value)",
        "angles": [{"key": repr(a), "value": a, "f32_hex": f32_hex(a) if f32(a) == a else None} for a in angles]}
    obj["oversample_note"] = ("imblearn RandomOverSampler(random_state=83).fit_resample(X = arange(n)[:, None], y); "
                              "sample_indices = ros.sample_indices_ (original rows in order, then the appended rows, "
                              "class by class in sorted order); asserted equal to the REFERENCE.md 5.1 emulation")
    dump_json(ref_dir / "rng.json", obj)
    return stream


# =====================================================================================================================
# Group 1b: scikit-learn metrics
# =====================================================================================================================

def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _err(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as e:  # noqa: BLE001
        return {"raises": type(e).__name__, "message": str(e)}
    return None


def _floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def single_label_case(name, y_true, y_pred, K, names, seed, note):
    from sklearn import metrics as M
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    N = len(y_true)
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.5, (N, K))
    logits[np.arange(N), y_pred] += 2.0  # the argmax tends to be y_pred
    y_score = _softmax(logits)
    labels = list(range(K))
    present = sorted(set(y_true.tolist()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = M.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
        avg = {}
        for a in ("macro", "weighted", "micro"):
            pa, ra, fa, _ = M.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=a,
                                                              zero_division=0)
            avg[a] = {"precision": float(pa), "recall": float(ra), "f1": float(fa)}
        c = {
            "name": name, "note": note, "K": K, "N": N, "target_names": names,
            "y_true": y_true.tolist(), "y_pred": y_pred.tolist(), "y_score": y_score.tolist(),
            "accuracy": float(M.accuracy_score(y_true, y_pred)),
            "f1_macro_default_labels": float(M.f1_score(y_true, y_pred, average="macro", zero_division=0)),
            "default_labels": [int(v) for v in M._classification.unique_labels(y_true, y_pred)],
            "f1_macro_labels_range_K": float(M.f1_score(y_true, y_pred, average="macro", labels=labels,
                                                        zero_division=0)),
            "per_class": {"precision": _floats(p), "recall": _floats(r), "f1": _floats(f),
                          "support": [int(v) for v in s]},
            "averages_labels_range_K": avg,
            "confusion_matrix": M.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "classification_report_text": M.classification_report(
                y_true, y_pred, labels=labels, target_names=names, digits=4, zero_division=0),
            "classification_report_dict": M.classification_report(
                y_true, y_pred, labels=labels, target_names=names, digits=4, zero_division=0, output_dict=True),
            "log_loss": float(M.log_loss(y_true, y_score, labels=labels)),
        }
    # default calls that raise (recorded so the Swift port can mirror them)
    c["default_classification_report_error"] = _err(
        lambda: M.classification_report(y_true, y_pred, target_names=names, digits=4))
    if len(present) == K and K > 2:
        c["roc_auc_ovr_macro"] = float(M.roc_auc_score(y_true, y_score, multi_class="ovr", average="macro"))
        c["roc_auc_ovr_weighted"] = float(M.roc_auc_score(y_true, y_score, multi_class="ovr", average="weighted"))
        c["roc_auc_note"] = "every class occurs in y_true"
    elif K == 2 and len(present) == 2:
        c["roc_auc_ovr_call"] = _err(lambda: M.roc_auc_score(y_true, y_score, multi_class="ovr", average="macro"))
        c["roc_auc_ovr_macro"] = float(M.roc_auc_score(y_true, y_score[:, 1]))
        c["roc_auc_ovr_weighted"] = c["roc_auc_ovr_macro"]
        c["roc_auc_note"] = ("K=2 is the binary case: roc_auc_score(y_true, y_score[:, 1]) (the positive-class "
                             "column); see roc_auc_ovr_call for what the [N,2] ovr call does")
    else:
        c["roc_auc_ovr_macro"] = None
        c["roc_auc_ovr_weighted"] = None
        c["roc_auc_note"] = (f"null: classes {sorted(set(labels) - set(present))} do not occur in y_true, and "
                             "roc_auc_score(multi_class='ovr') requires unique(y_true) to have all K columns")
        c["roc_auc_error"] = _err(lambda: M.roc_auc_score(y_true, y_score, multi_class="ovr", average="macro"))
    return c


def multi_label_case(name, y_true, K, seed, note):
    from sklearn import metrics as M
    y_true = np.asarray(y_true, dtype=np.int64)
    N = len(y_true)
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.5, (N, K)) + np.where(y_true == 1, 1.2, -1.2)
    y_score = 1.0 / (1.0 + np.exp(-logits))
    y_pred = (y_score > 0.5).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = M.precision_recall_fscore_support(y_true, y_pred, zero_division=0)
        c = {
            "name": name, "note": note, "K": K, "N": N, "threshold": 0.5,
            "y_true": y_true.tolist(), "y_score": y_score.tolist(), "y_pred": y_pred.tolist(),
            "f1_micro": float(M.f1_score(y_true, y_pred, average="micro", zero_division=0)),
            "f1_macro": float(M.f1_score(y_true, y_pred, average="macro", zero_division=0)),
            "per_label": {"precision": _floats(p), "recall": _floats(r), "f1": _floats(f),
                          "support": [int(v) for v in s]},
            "subset_accuracy": float(M.accuracy_score(y_true, y_pred)),
            "hamming_loss": float(M.hamming_loss(y_true, y_pred)),
            "average_precision_macro": float(M.average_precision_score(y_true, y_score, average="macro")),
            "average_precision_per_label": _floats(M.average_precision_score(y_true, y_score, average=None)),
        }
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        auc_per = M.roc_auc_score(y_true, y_score, average=None)
        auc_macro = float(M.roc_auc_score(y_true, y_score, average="macro"))
        M.average_precision_score(y_true, y_score, average=None)
    c["roc_auc_per_label"] = [None if math.isnan(v) else v for v in _floats(auc_per)]
    c["roc_auc_macro"] = None if math.isnan(auc_macro) else auc_macro
    msgs = sorted({f"{type(x.message).__name__}: {x.message}" for x in w})
    c["warnings"] = msgs
    single = [k for k in range(K) if y_true[:, k].sum() in (0, N)]
    if single:
        c["roc_auc_note"] = (f"label(s) {single} have a single class in y_true: scikit-learn 1.9 does NOT raise, it "
                             "warns (UndefinedMetricWarning) and returns nan for that label, so the macro mean is nan "
                             "too; stored as null. average_precision_score warns (UserWarning 'No positive class "
                             "found') and gives AP = 0.0 for that label, which IS included in the macro mean")
    return c


def write_metrics(ref_dir: Path):
    import sklearn
    g = np.random.default_rng(500)
    # (1) 3 classes, mixed errors
    yt1 = g.integers(0, 3, 30)
    yp1 = yt1.copy()
    flip = g.choice(30, 9, replace=False)
    yp1[flip] = (yt1[flip] + g.integers(1, 3, 9)) % 3
    # (2) class 2 predicted but never true (K=4)
    yt2 = np.array([0, 1, 3, 0, 1, 3, 0, 0, 1, 3, 3, 1, 0, 1, 3, 0])
    yp2 = np.array([0, 2, 3, 0, 1, 2, 1, 0, 1, 3, 2, 1, 0, 0, 3, 2])
    # (3) class 2 absent from both (K=4)
    yt3 = np.array([0, 1, 3, 0, 1, 3, 0, 0, 1, 3, 3, 1, 0, 1])
    yp3 = np.array([0, 1, 3, 1, 1, 0, 0, 0, 3, 3, 3, 1, 0, 0])
    # (4) 10 classes, long and unicode names, 200 samples
    yt4 = g.integers(0, 10, 200)
    yp4 = yt4.copy()
    flip = g.choice(200, 70, replace=False)
    yp4[flip] = g.integers(0, 10, 70)
    names4 = ["Abyssinian cat", "Ragdoll", "Maine Coon with a very long descriptive class name",
              "Chat tigré (précomposé)", "Cafe\u0301 decomposed e + U+0301", "柴犬", "Ünïcödé",
              "🐈 emoji cat", "x", "bird-of-paradise"]
    # (5) perfect
    yt5 = g.integers(0, 4, 20)
    yt5[:4] = [0, 1, 2, 3]
    # (6) K=2
    yt6 = g.integers(0, 2, 25)
    yp6 = yt6.copy()
    yp6[[1, 4, 7, 11, 20]] ^= 1
    single = [
        single_label_case("three_classes_mixed", yt1, yp1, 3, ["cat", "dog", "bird"], 1, "9 of 30 wrong"),
        single_label_case("predicted_not_true", yt2, yp2, 4, ["a", "b", "c", "d"], 2,
                          "class 2 ('c') occurs in y_pred but not in y_true: precision 0, recall 0 (0/0 -> 0), "
                          "support 0; it IS in the default labels"),
        single_label_case("absent_from_both", yt3, yp3, 4, ["a", "b", "c", "d"], 3,
                          "class 2 ('c') is absent from y_true and y_pred: the default labels are [0,1,3], so the "
                          "default f1 macro averages 3 classes and the default classification_report with 4 "
                          "target_names raises ValueError; with labels=range(K) it gets a row of zeros"),
        single_label_case("ten_classes_unicode", yt4, yp4, 10, names4, 4,
                          "long and unicode target names. Python pads by code points (len(str)): the decomposed "
                          "'e\u0301' counts as 2 and the emoji as 1"),
        single_label_case("perfect", yt5, yt5.copy(), 4, ["w", "x", "y", "z"], 5, "all correct"),
        single_label_case("binary", yt6, yp6, 2, ["negative", "positive"], 6, "K = 2"),
    ]
    gm = np.random.default_rng(600)
    ml1 = (gm.random((24, 4)) < 0.4).astype(np.int64)
    ml2 = (gm.random((20, 5)) < 0.45).astype(np.int64)
    ml2[:, 3] = 0
    multi = [
        multi_label_case("four_labels", ml1, 4, 7, "every label occurs in y_true"),
        multi_label_case("label_never_true", ml2, 5, 8, "label 3 never occurs in y_true"),
    ]
    dump_json(ref_dir / "metrics_cases.json", {
        "sklearn_version": sklearn.__version__,
        "conventions": {
            "single_label": "labels=list(range(K)) and zero_division=0 unless a key says 'default'; y_score = "
                            "softmax of seeded logits (float64, rows sum to 1); classification_report with "
                            "digits=4; averages_labels_range_K from precision_recall_fscore_support(average=...)",
            "multi_label": "y_score = sigmoid of seeded logits (float64); y_pred = (y_score > 0.5); f1 with "
                           "zero_division=0; per_label from precision_recall_fscore_support(zero_division=0); "
                           "subset_accuracy = accuracy_score; average_precision_macro = "
                           "average_precision_score(average='macro') (mAP)",
        },
        "single_label": single,
        "multi_label": multi,
    })


# =====================================================================================================================
# Group 1c: augmentation
# =====================================================================================================================

FIXED_ANGLES = [0.0, 90.0, -90.0, 180.0, -180.0, 270.0, 45.5, -30.25, 1e-05, -1e-05, 12.345678, 89.99999, 0.5]
SHARP_FACTORS = [2.0, 0.5, 1.5, 0.0, 3.7]
JPEG = "jpeg_420_300x200.jpg"


def augment_angles(stream):
    angles = list(FIXED_ANGLES)
    for s in stream["samples"]:
        if s["angle"] not in angles:
            angles.append(s["angle"])
    return angles


def recipe_train_transform():
    return T.Compose([T.Resize((32, 32)), T.RandomRotation(90), T.RandomAdjustSharpness(2), T.ToTensor(),
                      T.Normalize([0.5] * 3, [0.5] * 3)])


def recipe_eval_transform():
    return T.Compose([T.Resize((32, 32)), T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])


def write_augment(ref_dir: Path, img_dir: Path, stream):
    def load(f):
        with Image.open(img_dir / f) as im:
            return im.convert("RGB")

    sources = {
        "rgb8": load("png_rgb8.png"),
        "jpeg32": load(JPEG).resize((32, 32), Image.BILINEAR),
        "wide20x13": load("png_upscale_20x13.png"),
    }
    assert sources["wide20x13"].size == (20, 13)
    stream_angles = [s["angle"] for s in stream["samples"]]
    angles = augment_angles(stream)
    assert len(angles) == len(FIXED_ANGLES) + STREAM_SAMPLES
    out = {}
    for name, img in sources.items():
        out[f"source/{name}"] = np.asarray(img).copy()
        for a in angles:
            rot = img.rotate(a, Image.NEAREST, expand=False, center=None, fillcolor=(0, 0, 0))
            assert np.array_equal(np.asarray(rot), np.asarray(TF.rotate(img, a, fill=0))), (name, a)
            out[f"rotate/{name}/{a!r}"] = np.asarray(rot).copy()
        for fct in SHARP_FACTORS:
            sh = ImageEnhance.Sharpness(img).enhance(fct)
            assert np.array_equal(np.asarray(sh), np.asarray(TF.adjust_sharpness(img, fct)))
            out[f"sharpen/{name}/{fct!r}"] = np.asarray(sh).copy()
        out[f"hflip/{name}"] = np.asarray(img.transpose(Image.FLIP_LEFT_RIGHT)).copy()

    # the full recipe train transform, driven by the dataloader_stream draws
    tf = recipe_train_transform()
    jpeg_rgb = load(JPEG)
    torch.manual_seed(42)
    torch.empty((), dtype=torch.int64).random_()
    train = {}
    for i in range(STREAM_SAMPLES):
        x = tf(jpeg_rgb)
        s = stream["samples"][i]
        # the same thing by hand from the recorded draws
        im = sources["jpeg32"].rotate(s["angle"], Image.NEAREST, expand=False, center=None, fillcolor=(0, 0, 0))
        if s["sharpness_applied"]:
            im = ImageEnhance.Sharpness(im).enhance(2.0)
        v = np.asarray(im).astype(np.float32).transpose(2, 0, 1)
        assert np.array_equal((v / np.float32(255) - np.float32(0.5)) / np.float32(0.5), x.numpy()), i
        train[f"train_transform/{i}"] = x.numpy().copy()
    for k in list(out):
        out[k] = np.ascontiguousarray(out[k], dtype=np.uint8)
    out.update(train)
    save_np(out, str(ref_dir / "augment.safetensors"), metadata={"format": "np"})
    return {"angles": angles, "angle_keys": [repr(a) for a in angles], "sharp_factors": SHARP_FACTORS,
            "stream_angles": stream_angles}



# =====================================================================================================================
# Group 2: regression model, gradients, AdamW, schedules
# =====================================================================================================================

sys.path.insert(0, str(HERE))
import make_reference as MR  # noqa: E402  (model configs, perturb(); importing it runs nothing)
from transformers import SiglipConfig, SiglipForImageClassification, SiglipImageProcessor  # noqa: E402


def build_regression_model(models_dir: Path):
    d = models_dir / "tiny32-regression"
    if d.exists():
        shutil.rmtree(d)
    torch.manual_seed(1006)
    cfg = SiglipConfig(vision_config=dict(MR.VISION32), text_config=dict(MR.TEXT_CONFIG), num_labels=1,
                       problem_type="regression")
    m = SiglipForImageClassification(cfg).eval()
    MR.perturb(m, 2006)
    m.save_pretrained(d)
    SiglipImageProcessor(**MR.PROC32).save_pretrained(d)


GRAD_MODELS = [("tiny32", 4, 21), ("tiny48", 3, 22), ("tiny32-multilabel", 4, 23), ("tiny32-regression", 4, 24)]
GRAD_FILES = {"tiny32": "gradients.safetensors", "tiny32-multilabel": "gradients.safetensors",
              "tiny32-regression": "gradients.safetensors", "tiny48": "gradients_tiny48.safetensors"}


def load_cls(path):
    return SiglipForImageClassification.from_pretrained(path, attn_implementation="eager").float()


def write_gradients(ref_dir: Path, models_dir: Path):
    files = {}
    info = {}
    for name, B, seed in GRAD_MODELS:
        model = load_cls(models_dir / name)
        model.train()
        cfg = model.config
        S = cfg.vision_config.image_size
        K = cfg.num_labels
        g = torch.Generator().manual_seed(seed)
        pv = torch.randn((B, 3, S, S), generator=g, dtype=torch.float32)
        if name == "tiny32-regression":
            labels = torch.randn((B,), generator=g, dtype=torch.float32)
            labels_in, labels_store = labels, labels
        elif cfg.problem_type == "multi_label_classification":
            labels = (torch.rand((B, K), generator=g) < 0.5).float()
            labels_in, labels_store = labels, labels
        else:
            labels = torch.randint(0, K, (B,), generator=g, dtype=torch.int64)
            labels_in, labels_store = labels, labels.float()
        out = model(pixel_values=pv, labels=labels_in)
        out.loss.backward()
        t = files.setdefault(GRAD_FILES[name], {})
        t[f"{name}/pixel_values"] = pv
        t[f"{name}/labels"] = labels_store.contiguous()
        t[f"{name}/logits"] = out.logits.detach().contiguous()
        t[f"{name}/loss"] = out.loss.detach().reshape(1).contiguous()
        none = []
        for pn, p in model.named_parameters():
            if p.grad is None:
                none.append(pn)
            else:
                t[f"{name}/grad/{pn}"] = p.grad.detach().clone().contiguous()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        ref_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(x) for x in grads]))
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        assert torch.equal(norm, ref_norm), (name, norm, ref_norm)
        t[f"{name}/grad_norm"] = norm.detach().reshape(1).contiguous()
        info[name] = {"file": f"reference/{GRAD_FILES[name]}", "batch": B, "input_seed": seed,
                      "problem_type": cfg.problem_type, "num_labels": K, "loss": out.loss.item(),
                      "grad_norm": float(norm), "params_without_grad": none,
                      "num_params_with_grad": sum(1 for pn, p in model.named_parameters() if p.grad is not None)}
    for f, t in files.items():
        save_pt(t, str(ref_dir / f), metadata={"format": "pt"})
    return info


ADAMW_TRACKED = ["classifier.weight", "vision_model.encoder.layers.0.mlp.fc1.weight",
                 "vision_model.post_layernorm.bias"]


def decay_groups(model, wd):
    from transformers import Trainer
    decay = set(Trainer.get_decay_parameter_names(None, model))
    groups = [
        {"params": [p for n, p in model.named_parameters() if n in decay and p.requires_grad], "weight_decay": wd},
        {"params": [p for n, p in model.named_parameters() if n not in decay and p.requires_grad],
         "weight_decay": 0.0},
    ]
    names = [[n for n, p in model.named_parameters() if n in decay and p.requires_grad],
             [n for n, p in model.named_parameters() if n not in decay and p.requires_grad]]
    return groups, names


def _fma(a, b, c):
    """float32 fused multiply-add: the product of two float32 is exact in float64; one rounding of the sum to float64
    and then to float32 (double rounding could differ from a true fma in rare ties; asserted not to happen here)."""
    return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(np.float32)


def _fused_adamw_emulate(p, g, m, v, t, lr, wd, b1=0.9, b2=0.999, eps=1e-8, vec=8):
    """torch 2.15 CPU fused AdamW (FusedAdamKernel.cpp adam_math<float, ADAMW>), as compiled in the x86-64 wheel
    (AVX2: Vectorized<float> has 8 lanes; the compiler contracts some mul+add pairs into FMAs):
      vector body (first n - n % 8 elements): m = fma(c1, g - m, m)
                                              v = fma(c2 * g, g, v * b2)
      scalar tail (last n % 8 elements):      m = fma(c1, g - m, m)
                                              v = fma(v, b2, (c2 * g) * g)
      both: p = p * f32(1 - lr*wd) if wd != 0;  denom = sqrt(v) / f32(sqrt(bc2)) + f32(eps)
            p = p + (f32(-lr/bc1) * m) / denom                    (no FMA)
    Scalars in double (bc1 = 1 - b1**t, bc2 = 1 - b2**t with std::pow), then cast to float32."""
    F = np.float32
    shape = p.shape
    p, g, m, v = (x.reshape(-1).astype(F) for x in (p, g, m, v))
    bc1 = 1.0 - b1 ** t
    bc2 = 1.0 - b2 ** t
    step = F(-(lr / bc1))
    c1, c2, b2f = F(1.0 - b1), F(1.0 - b2), F(b2)
    if wd != 0.0:
        p = p * F(1.0 - lr * wd)
    m = _fma(c1, g - m, m)
    nv = len(p) - len(p) % vec
    v = np.concatenate([_fma(c2 * g[:nv], g[:nv], v[:nv] * b2f), _fma(v[nv:], b2f, (c2 * g[nv:]) * g[nv:])])
    denom = np.sqrt(v) / F(math.sqrt(bc2)) + F(eps)
    p = p + (step * m) / denom
    return p.reshape(shape), m.reshape(shape), v.reshape(shape)


def write_adamw(ref_dir: Path, models_dir: Path):
    from transformers import get_linear_schedule_with_warmup
    model = load_cls(models_dir / "tiny32")
    model.train()
    names = [n for n, _ in model.named_parameters()]
    groups, gnames = decay_groups(model, 0.02)
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, fused=True)
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=3, num_training_steps=10)
    wd_of = {n: 0.02 for n in gnames[0]} | {n: 0.0 for n in gnames[1]}
    t = {}
    steps = []
    emu_state = {}
    max_ulp = {}
    for i in range(10):
        g = torch.Generator().manual_seed(300 + i)
        pv = torch.randn((4, 3, 32, 32), generator=g, dtype=torch.float32)
        labels = torch.randint(0, 3, (4,), generator=g, dtype=torch.int64)
        t[f"step{i}/pixel_values"] = pv
        t[f"step{i}/labels"] = labels.float()
        out = model(pixel_values=pv, labels=labels)
        out.loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        lr = opt.param_groups[0]["lr"]
        assert lr == sched.get_last_lr()[0]
        before = {n: (p.detach().numpy().copy(), None if p.grad is None else p.grad.numpy().copy())
                  for n, p in model.named_parameters()}
        opt.step()
        # emulate the fused kernel on every tensor that has a gradient
        for n, p in model.named_parameters():
            p0, g0 = before[n]
            if g0 is None:
                assert np.array_equal(p0, p.detach().numpy()), n
                continue
            m0, v0, k = emu_state.get(n, (np.zeros_like(p0), np.zeros_like(p0), 0))
            pe, me, ve = _fused_adamw_emulate(p0, g0, m0, v0, k + 1, lr, wd_of[n])
            emu_state[n] = (me, ve, k + 1)
            st = opt.state[p]
            for lab, a, b in (("param", pe, p.detach().numpy()), ("exp_avg", me, st["exp_avg"].numpy()),
                              ("exp_avg_sq", ve, st["exp_avg_sq"].numpy())):
                d = np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32).astype(np.int64)).max()
                max_ulp[lab] = max(max_ulp.get(lab, 0), int(d))
            # continue the emulation from torch's exact state so differences do not accumulate
            emu_state[n] = (st["exp_avg"].numpy().copy(), st["exp_avg_sq"].numpy().copy(), k + 1)
        sched.step()
        opt.zero_grad(set_to_none=True)
        steps.append({"step": i, "loss": out.loss.item(), "loss_f32_hex": f32_hex(out.loss.item()),
                      "grad_norm": float(norm), "learning_rate": lr})
    assert steps[0]["learning_rate"] == 0.0
    assert all(v == 0 for v in max_ulp.values()), ("fused AdamW emulation is not bit-exact", max_ulp)
    for n, p in model.named_parameters():
        t[f"final/{n}"] = p.detach().clone().contiguous()
    for n in ADAMW_TRACKED:
        p = dict(model.named_parameters())[n]
        t[f"exp_avg/{n}"] = opt.state[p]["exp_avg"].clone().contiguous()
        t[f"exp_avg_sq/{n}"] = opt.state[p]["exp_avg_sq"].clone().contiguous()
    save_pt(t, str(ref_dir / "adamw.safetensors"), metadata={"format": "pt"})
    no_grad = [n for n in names if dict(model.named_parameters())[n].grad is None and n not in emu_state]
    dump_json(ref_dir / "adamw.json", {
        "model": "models/tiny32 (eager attention, model.train())",
        "optimizer": "torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, fused=True)",
        "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.02, "fused": True,
        "schedule": "get_linear_schedule_with_warmup(opt, num_warmup_steps=3, num_training_steps=10)",
        "num_warmup_steps": 3, "num_training_steps": 10, "max_grad_norm": 1.0,
        "batches": "step<i>/pixel_values = torch.randn((4,3,32,32), generator=Generator().manual_seed(300+i)), "
                   "then step<i>/labels = torch.randint(0, 3, (4,), same generator) (stored as float32)",
        "per_step_order": "loss = model(pixel_values, labels=int64 labels).loss; loss.backward(); "
                          "grad_norm = clip_grad_norm_(model.parameters(), 1.0); lr = param_groups[0]['lr']; "
                          "opt.step(); sched.step(); opt.zero_grad(set_to_none=True)",
        "decay_param_names": gnames[0],
        "no_decay_param_names": gnames[1],
        "params_never_updated_no_grad": no_grad,
        "steps": steps,
        "fused_emulation_max_ulp_per_step": max_ulp,
        "fused_emulation_note": "numpy emulation (one step at a time from torch's state) vs torch, max |difference| in "
                                "float32 ulps over all 10 steps and all tensors (0 = bit-exact). The emulation is "
                                "REFERENCE.md 3.2 plus the FMA contractions of the x86-64 AVX2 build: vector body "
                                "v = fma(f32(0.001)*g, g, v*f32(0.999)); scalar tail (last numel % 8 elements) "
                                "v = fma(v, f32(0.999), (f32(0.001)*g)*g); m = fma(f32(0.1), g - m, m) in both; "
                                "p = p*f32(1-lr*wd) then p + (f32(-lr/bc1)*m)/denom with no FMA",
    })
    return steps, max_ulp


def write_schedules(ref_dir: Path):
    from transformers import TrainingArguments, get_scheduler
    T_, W = 20, 5
    res = {"T": T_, "W": W, "note": "multiplier lambda(k) = lr before the (k+1)-th sched.step() of an optimizer "
                                   "with lr 1.0 (k = 0..T; k = T is the value after the last step)"}
    for kind in ("linear", "cosine", "constant_with_warmup"):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=1.0)
        sch = get_scheduler(kind, opt, num_warmup_steps=W, num_training_steps=T_)
        lam = []
        for k in range(T_ + 1):
            lam.append(opt.param_groups[0]["lr"])
            opt.step()
            sch.step()
        res[kind] = lam
    for k in range(T_ + 1):  # REFERENCE.md 3.3
        assert res["linear"][k] == (k / max(1, W) if k < W else max(0.0, (T_ - k) / max(1, T_ - W)))
    for k in range(T_ + 1):
        prog = (k - W) / max(1, T_ - W)
        assert res["cosine"][k] == (k / max(1, W) if k < W else max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * prog))))
        assert res["constant_with_warmup"][k] == (k / max(1, W) if k < W else 1.0)
    wu = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in (0.1, 0.25, 0.05):
            a = TrainingArguments(output_dir=tmp, warmup_steps=r, report_to="none", use_cpu=True)
            for n in (20, 37):
                wu.append({"warmup_steps": r, "num_training_steps": n, "get_warmup_steps": a.get_warmup_steps(n),
                           "ceil": math.ceil(n * r)})
    res["get_warmup_steps"] = wu
    res["get_warmup_steps_note"] = ("transformers 5.25 accepts warmup_steps < 1 as a ratio (there is no "
                                    "warmup_ratio argument): ceil(T * r); values >= 1 are int(warmup_steps)")
    dump_json(ref_dir / "schedules.json", res)
    return res



# =====================================================================================================================
# Group 3: a complete short Trainer run with the recipe's structure
# =====================================================================================================================

CLASSES = [("circle", 14), ("square", 10), ("triangle", 8)]
TIMING_KEYS = re.compile(r"(_runtime|_per_second|_preparation_time)$")


def make_shape_image(kind, rng):
    """40x40 RGB: a flat noisy background (noise quantised to steps of 8 so the PNG stays small) and one shape."""
    S = 40
    bg = rng.integers(40, 216, 3)
    noise = rng.integers(-2, 3, (S, S, 1)) * 8
    img = np.clip(bg[None, None, :] + noise, 0, 255).astype(np.int64)
    col = rng.integers(0, 256, 3)
    y, x = np.mgrid[0:S, 0:S].astype(np.float64) + 0.5
    cx, cy = rng.uniform(13, 27, 2)
    r = rng.uniform(7, 12)
    if kind == "circle":
        mask = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    elif kind == "square":
        mask = (np.abs(x - cx) <= r * 0.85) & (np.abs(y - cy) <= r * 0.85)
    else:  # upward triangle with its apex at (cx, cy - r)
        top, bottom = cy - r, cy + r * 0.8
        half = (y - top) / (bottom - top) * r
        mask = (y >= top) & (y <= bottom) & (np.abs(x - cx) <= half)
    img[mask] = col
    return Image.fromarray(img.astype(np.uint8), "RGB")


def make_dataset(ds_dir: Path):
    rng = np.random.default_rng(700)
    for cls, n in CLASSES:
        (ds_dir / cls).mkdir(parents=True)
        for i in range(n):
            buf = io.BytesIO()
            make_shape_image(cls, rng).save(buf, "PNG")
            (ds_dir / cls / f"{cls}_{i:02d}.png").write_bytes(buf.getvalue())


def write_trainer_run(ref_dir: Path, models_dir: Path):
    import datasets
    from transformers import Trainer, TrainingArguments
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()

    out_dir = ref_dir / "trainer"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    ds_dir = out_dir / "dataset"
    make_dataset(ds_dir)

    tmp = Path(tempfile.mkdtemp(prefix="sigtune-trainer-"))
    try:
        return _trainer_run(out_dir, ds_dir, tmp, datasets, Trainer, TrainingArguments)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def np_pairwise_sum_f32(a):
    """numpy's float32 add.reduce (pairwise_sum in loops_utils.h.src) for a contiguous array: below 8 elements a plain
    loop; up to 128 elements 8 running sums r[j] += a[i+j] over whole blocks of 8, combined as
    ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remaining n % 8 elements added in order; above 128 split in two
    (first half a multiple of 8) and recurse."""
    F = np.float32
    n = len(a)
    if n < 8:
        s = F(-0.0)
        for x in a:
            s = F(s + x)
        return s
    if n <= 128:
        r = [F(a[j]) for j in range(8)]
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] = F(r[j] + a[i + j])
            i += 8
        s = F(F(F(r[0] + r[1]) + F(r[2] + r[3])) + F(F(r[4] + r[5]) + F(r[6] + r[7])))
        for k in range(i, n):
            s = F(s + a[k])
        return s
    n2 = n // 2
    n2 -= n2 % 8
    return F(np_pairwise_sum_f32(a[:n2]) + np_pairwise_sum_f32(a[n2:]))


def _rel(ds_dir, path):
    return Path(path).resolve().relative_to(ds_dir.resolve()).as_posix()


def _trainer_run(out_dir, ds_dir, tmp, datasets, Trainer, TrainingArguments):
    # ---- dataset and split ----
    ds = datasets.load_dataset("imagefolder", data_dir=str(ds_dir), cache_dir=str(tmp / "hf_cache"))["train"]
    label_names = ds.features["label"].names
    assert label_names == [c for c, _ in CLASSES]

    def files_of(d):
        return [_rel(ds_dir, e["path"]) for e in d.cast_column("image", datasets.Image(decode=False))["image"]]

    all_files = files_of(ds)
    split = ds.train_test_split(test_size=0.4, stratify_by_column="label", seed=0)
    train_ds, test_ds = split["train"], split["test"]
    train_files, test_files = files_of(train_ds), files_of(test_ds)
    split_json = {
        "label_names": label_names,
        "files_in_dataset_order": all_files,
        "labels_in_dataset_order": list(ds["label"]),
        "split_call": "ds.train_test_split(test_size=0.4, stratify_by_column='label', seed=0)",
        "train_files": train_files, "train_labels": list(train_ds["label"]),
        "test_files": test_files, "test_labels": list(test_ds["label"]),
    }
    dump_json(out_dir / "split.json", split_json)

    # ---- initial model ----
    torch.manual_seed(1007)
    init = SiglipForImageClassification(SiglipConfig(
        vision_config=dict(MR.VISION32), text_config=dict(MR.TEXT_CONFIG),
        id2label={i: n for i, n in enumerate(label_names)}, label2id={n: i for i, n in enumerate(label_names)}))
    MR.perturb(init, 2007)
    init.save_pretrained(out_dir / "initial_model")
    SiglipImageProcessor(**MR.PROC32).save_pretrained(out_dir / "initial_model")
    model = SiglipForImageClassification.from_pretrained(out_dir / "initial_model", attn_implementation="eager")
    initial_state = {n: p.detach().clone() for n, p in model.named_parameters()}

    # ---- transforms (the recipe's), with recording hooks that do not change behaviour ----
    samples = []  # every train-transform call, in order: {file, angle}
    batches = []  # every collate call: {phase, files}
    phase = ["idle"]

    class RecordingRotation(T.RandomRotation):
        @staticmethod
        def get_params(degrees):
            a = T.RandomRotation.get_params(degrees)
            samples[-1]["angle"] = a
            return a

    train_tf = T.Compose([T.Resize((32, 32)), RecordingRotation(90), T.RandomAdjustSharpness(2), T.ToTensor(),
                          T.Normalize([0.5] * 3, [0.5] * 3)])
    eval_tf = recipe_eval_transform()

    def train_transforms(examples):
        out = []
        for im in examples["image"]:
            samples.append({"file": _rel(ds_dir, im.filename)})
            out.append(train_tf(im.convert("RGB")))
        examples["pixel_values"] = out
        examples["file"] = [s["file"] for s in samples[len(samples) - len(out):]]
        return examples

    def eval_transforms(examples):
        examples["pixel_values"] = [eval_tf(im.convert("RGB")) for im in examples["image"]]
        examples["file"] = [_rel(ds_dir, im.filename) for im in examples["image"]]
        return examples

    train_ds.set_transform(train_transforms)
    test_ds.set_transform(eval_transforms)

    def collate_fn(examples):
        batches.append({"phase": phase[-1], "files": [e["file"] for e in examples],
                        "pixel_values": torch.stack([e["pixel_values"] for e in examples])})
        pixel_values = torch.stack([e["pixel_values"] for e in examples])
        labels = torch.tensor([e["label"] for e in examples])
        return {"pixel_values": pixel_values, "labels": labels}

    def compute_metrics(p):
        preds = np.argmax(p.predictions, axis=1)
        return {"accuracy": float((preds == p.label_ids).mean())}

    steps, evals = [], []

    class RecordingTrainer(Trainer):
        def train(self, *a, **k):
            phase.append("train")
            try:
                return super().train(*a, **k)
            finally:
                phase.pop()

        def training_step(self, model, inputs, num_items_in_batch=None):
            # accelerate's DataLoaderShard prefetches one batch, so the batch of this step is not batches[-1]
            # but the len(steps)-th training batch
            b = [x for x in batches if x["phase"] == "train"][len(steps)]
            assert torch.equal(b["pixel_values"], inputs["pixel_values"])
            labels = inputs["labels"].tolist()
            loss = super().training_step(model, inputs, num_items_in_batch)
            steps.append({"global_step": self.state.global_step + 1, "loss": loss.item(),
                          "loss_f32_hex": f32_hex(loss.item()), "files": b["files"], "labels": labels})
            return loss

        def _clip_grad_norm(self, model):
            lr = self.optimizer.param_groups[0]["lr"]
            n = super()._clip_grad_norm(model)
            steps[-1].update(grad_norm=float(n), learning_rate=lr)
            return n

        def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
            loss, logits, labels = super().prediction_step(model, inputs, prediction_loss_only, ignore_keys)
            evals[-1]["batch_losses"].append(loss.item())
            evals[-1]["batch_sizes"].append(int(inputs["pixel_values"].shape[0]))
            return loss, logits, labels

        def evaluation_loop(self, dataloader, description, prediction_loss_only=None, ignore_keys=None,
                            metric_key_prefix="eval"):
            evals.append({"description": description, "metric_key_prefix": metric_key_prefix,
                          "global_step": self.state.global_step, "epoch": self.state.epoch,
                          "batch_losses": [], "batch_sizes": [], "first_batch": len(batches)})
            phase.append(description)
            try:
                out = super().evaluation_loop(dataloader, description, prediction_loss_only, ignore_keys,
                                              metric_key_prefix)
            finally:
                phase.pop()
            e = evals[-1]
            e["files"] = [f for b in batches[e.pop("first_batch"):] for f in b["files"]]
            e["loss"] = out.metrics[f"{metric_key_prefix}_loss"]
            e["accuracy"] = out.metrics[f"{metric_key_prefix}_accuracy"]
            e["logits"] = np.asarray(out.predictions).tolist()
            e["label_ids"] = np.asarray(out.label_ids).tolist()
            # REFERENCE.md 3.7: losses.repeat(8) per batch, the last truncated, float32 numpy mean
            rep = np.concatenate([np.full(n, l, dtype=np.float32) for l, n in zip(e["batch_losses"], e["batch_sizes"])])
            assert e["loss"] == rep.mean().item(), (e["loss"], rep.mean().item())
            assert e["loss"] == float(np_pairwise_sum_f32(rep) / np.float32(len(rep)))
            return out

    args_kw = dict(output_dir=str(tmp / "out"), eval_strategy="epoch", save_strategy="epoch", learning_rate=1e-3,
                   per_device_train_batch_size=8, per_device_eval_batch_size=8, num_train_epochs=3,
                   weight_decay=0.02, warmup_steps=2, logging_strategy="steps", logging_steps=1,
                   load_best_model_at_end=True, save_total_limit=1, report_to="none", remove_unused_columns=False,
                   seed=42, use_cpu=True, dataloader_num_workers=0)
    args = TrainingArguments(**args_kw)
    trainer = RecordingTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=test_ds,
                               data_collator=collate_fn, compute_metrics=compute_metrics)
    from transformers.trainer_callback import PrinterCallback
    trainer.remove_callback(PrinterCallback)  # console printing only
    m0 = trainer.evaluate()
    tr = trainer.train()
    m1 = trainer.evaluate()
    pred = trainer.predict(test_ds)

    # ---- checks against REFERENCE.md 3.3 / 3.6 / 3.7 ----
    n_train = len(train_files)
    steps_per_epoch = math.ceil(n_train / 8)
    T_ = 3 * steps_per_epoch
    assert [s["global_step"] for s in steps] == list(range(1, T_ + 1))
    for k, st in enumerate(steps):
        lam = k / 2 if k < 2 else max(0.0, (T_ - k) / (T_ - 2))
        assert st["learning_rate"] == 1e-3 * lam, (k, st["learning_rate"])
    # shuffle: epoch e uses torch.randperm(n, Generator().manual_seed(42 + e)), consecutive slices of 8
    for e in range(3):
        perm = torch.randperm(n_train, generator=torch.Generator().manual_seed(42 + e)).tolist()
        got = [f for st in steps[e * steps_per_epoch:(e + 1) * steps_per_epoch] for f in st["files"]]
        assert got == [train_files[i] for i in perm], ("shuffle order", e)
    # the global RNG stream: [eval iter] then per epoch [train iter][2 u32 per sample][eval iter], then [eval][predict]
    mt = MT19937(42)
    stream = []
    stream.append({"event": "iter", "by": "evaluate() before train()", "random64_mod_2^63": str(mt.random64() % (1 << 63))})
    si = 0
    for e in range(3):
        stream.append({"event": "iter", "by": f"train epoch {e}", "random64_mod_2^63": str(mt.random64() % (1 << 63))})
        for _ in range(n_train):
            ua, us = mt.next_u32(), mt.next_u32()
            smp = samples[si]
            a_ref = f32(((ua & 0xFFFFFF) * 2.0 ** -24) * 180.0 - 90.0)
            assert smp["angle"] == a_ref, ("angle stream", si)
            smp.update(epoch=e, angle_repr=repr(smp["angle"]), angle_f32_hex=f32_hex(smp["angle"]), angle_u32=ua,
                       sharpness_u32=us, sharpness_applied=bool(((us & 0xFFFFFF) * 2.0 ** -24) < 0.5))
            si += 1
        stream.append({"event": "iter", "by": f"evaluation after epoch {e}",
                       "random64_mod_2^63": str(mt.random64() % (1 << 63))})
    stream.append({"event": "iter", "by": "evaluate() after train()", "random64_mod_2^63": str(mt.random64() % (1 << 63))})
    stream.append({"event": "iter", "by": "predict()", "random64_mod_2^63": str(mt.random64() % (1 << 63))})
    assert si == len(samples) == 3 * n_train
    # nothing else drew from the global generator: the next value must be the next MT output
    nxt = torch.empty((), dtype=torch.int64).random_().item()
    assert nxt == mt.random64() % (1 << 63), "unexpected extra draws from the global torch generator"
    # every train sample's pixel_values = the manual pipeline with the emulated draws
    train_batches = [b for b in batches if b["phase"] == "train"]
    assert len(train_batches) == T_
    k = 0
    for b in train_batches:
        for j, f in enumerate(b["files"]):
            smp = samples[k]
            assert smp["file"] == f
            with Image.open(ds_dir / f) as im:
                img = im.convert("RGB").resize((32, 32), Image.BILINEAR)
            img = img.rotate(smp["angle"], Image.NEAREST, expand=False, center=None, fillcolor=(0, 0, 0))
            if smp["sharpness_applied"]:
                img = ImageEnhance.Sharpness(img).enhance(2.0)
            v = np.asarray(img).astype(np.float32).transpose(2, 0, 1)
            assert np.array_equal((v / np.float32(255) - np.float32(0.5)) / np.float32(0.5),
                                  b["pixel_values"][j].numpy()), (k, f)
            k += 1
    # train_loss: logging every step, so _total_loss_scalar is a Python (double) sum of the float32 step losses
    assert tr.training_loss == sum(st["loss"] for st in steps) / T_
    for st, h in zip(steps, [h for h in trainer.state.log_history if "loss" in h]):
        assert h["loss"] == st["loss"] and h["grad_norm"] == st["grad_norm"] and h["learning_rate"] == st["learning_rate"]
    # best model: strict '<' on eval_loss over the end-of-epoch evaluations
    epoch_evals = [e for e in evals if e["description"] == "Evaluation" and 0 < e["global_step"]][:3]
    best_i = 0
    for i, e in enumerate(epoch_evals):
        if e["loss"] < epoch_evals[best_i]["loss"]:
            best_i = i
    assert trainer.state.best_global_step == epoch_evals[best_i]["global_step"]
    assert trainer.state.best_metric == epoch_evals[best_i]["loss"]
    ckpts = sorted(p.name for p in (tmp / "out").iterdir() if p.name.startswith("checkpoint-"))
    best_ckpt = f"checkpoint-{trainer.state.best_global_step}"
    from safetensors.torch import load_file
    ck = load_file(str(tmp / "out" / best_ckpt / "model.safetensors"))
    final = {n: p.detach().clone().contiguous() for n, p in trainer.model.named_parameters()}
    for n, t in final.items():
        assert torch.equal(ck[n], t), n
    assert np.array_equal(np.asarray(pred.predictions), np.asarray(evals[-1]["logits"], dtype=np.float32))

    def clean(d):
        return {k: (None if TIMING_KEYS.search(k) else v) for k, v in d.items()}

    for e in evals:
        if e["epoch"] is not None:
            e["epoch"] = float(e["epoch"])
    save_pt(final, str(out_dir / "final_model.safetensors"), metadata={"format": "pt"})
    args_dict = args.to_dict()
    for k2, v in list(args_dict.items()):
        if isinstance(v, str) and str(tmp) in v:
            args_dict[k2] = v.replace(str(tmp / "out"), "<output_dir>").replace(str(tmp), "<tmp>")
    dump_json(out_dir / "args.json", {"training_arguments_call": args_kw | {"output_dir": "<output_dir>"},
                                      "effective": json.loads(json.dumps(args_dict, default=str))})
    moved = {n: bool(not torch.equal(initial_state[n], final[n])) for n in final}
    run = {
        "model": "trainer/initial_model loaded with SiglipForImageClassification.from_pretrained(..., "
                 "attn_implementation='eager')",
        "num_train": n_train, "num_test": len(test_files), "steps_per_epoch": steps_per_epoch, "max_steps": T_,
        "calls": "m0 = trainer.evaluate(); tr = trainer.train(); m1 = trainer.evaluate(); pred = trainer.predict(test)",
        "steps": steps,
        "train_samples": samples,
        "global_rng_stream": stream,
        "evaluations": evals,
        "best_global_step": trainer.state.best_global_step,
        "best_metric": trainer.state.best_metric,
        "best_epoch": best_i + 1,
        "best_model_checkpoint": best_ckpt,
        "checkpoints_left_in_output_dir": ckpts,
        "evaluate_before_train": clean(m0),
        "train_output": {"global_step": tr.global_step, "training_loss": tr.training_loss,
                         "metrics": clean(tr.metrics)},
        "evaluate_after_train": clean(m1),
        "predict": {"logits": np.asarray(pred.predictions).tolist(), "label_ids": np.asarray(pred.label_ids).tolist(),
                    "metrics": clean(pred.metrics)},
        "log_history": [clean(h) for h in trainer.state.log_history],
        "params_unchanged_by_training": sorted(n for n, m in moved.items() if not m),
        "timing_fields_note": "wall-clock fields (*_runtime, *_per_second, *_model_preparation_time) are null",
    }
    dump_json(out_dir / "run.json", run)
    return run


# =====================================================================================================================

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="fixtures root (default: the script's directory)")
    ap.add_argument("--groups", default="1,2,3", help="comma-separated subset of 1,2,3")
    args = ap.parse_args()
    out = args.out
    groups = {int(g) for g in args.groups.split(",")}
    ref_dir, img_dir, models_dir = out / "reference", out / "images", out / "models"
    assert (img_dir / JPEG).exists() and (models_dir / "tiny32").exists(), "run make_reference.py first"
    ref_dir.mkdir(parents=True, exist_ok=True)

    if 1 in groups:
        log("group 1: rng.json ...")
        stream = write_rng(ref_dir)
        log("group 1: metrics_cases.json ...")
        write_metrics(ref_dir)
        log("group 1: augment.safetensors ...")
        write_augment(ref_dir, img_dir, stream)
    if 2 in groups:
        log("group 2: models/tiny32-regression ...")
        build_regression_model(models_dir)
        log("group 2: gradients ...")
        gi = write_gradients(ref_dir, models_dir)
        for k, v in gi.items():
            log(f"  {k}: loss {v['loss']:.6g} grad_norm {v['grad_norm']:.6g}, "
                f"{len(v['params_without_grad'])} tensors without grad (MAP head)")
        log("group 2: adamw ...")
        steps, ulp = write_adamw(ref_dir, models_dir)
        log(f"  lr {[s['learning_rate'] for s in steps]}; fused-AdamW emulation max ulp {ulp}")
        log("group 2: schedules ...")
        write_schedules(ref_dir)
    if 3 in groups:
        log("group 3: Trainer run ...")
        run = write_trainer_run(ref_dir, models_dir)
        log(f"  losses {[round(s['loss'], 5) for s in run['steps']]}")
        log(f"  eval losses {[round(e['loss'], 5) for e in run['evaluations']]}, best step {run['best_global_step']}")
    log("done")


if __name__ == "__main__":
    main()
