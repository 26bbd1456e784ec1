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
    reference/gradients.safetensors    loss, logits and every parameter gradient of 4 tiny models (F32)
    reference/adamw.safetensors/.json  10 Trainer-style fused-AdamW steps on tiny32 (+ clipping + linear warmup)
    reference/schedules.json           get_scheduler multipliers, TrainingArguments.get_warmup_steps
  Group 3
    reference/trainer/                 a generated 3-class ImageFolder, its split, the initial model, and the exact
                                       record of evaluate() / train() / evaluate() / predict() with the recipe's
                                       TrainingArguments (run.json, args.json, split.json, final_model.safetensors)

How to run (from the repository root; needs the fixtures of make_reference.py, i.e. images/ and models/tiny32,
tiny48, tiny32-multilabel, which it reads but never rewrites):
  ~/sigtune-ref/bin/python Tests/Fixtures/make_training_reference.py
Optional: `--groups 1,2` regenerates only those groups. Runtime about 1 minute on 2 cores. The script also asserts
the documented formulas (MT19937 recurrence, randperm, the angle / sharpness-decision formulas, RandomOverSampler,
AdamW fused math, the linear schedule, the eval-loss average ...) and stops if one does not hold.

Determinism: every random quantity comes from a fixed seed, torch runs single-threaded, JSON is written with sorted
structure in a fixed order, and wall-clock fields of the Trainer's log history (`*_runtime`, `*_per_second`,
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
    log("done")


if __name__ == "__main__":
    main()
