#!/usr/bin/env python3
"""Reference-fixture generator for sigtune (Swift port of HF SiglipForImageClassification + Pillow/torchvision
preprocessing).

What it writes (all under Tests/Fixtures/, next to this script; see README.md for every file and tensor name):
  models/<name>/          8 tiny random-init SigLIP checkpoints written by `save_pretrained`
                          (config.json, model.safetensors or shards + index, preprocessor_config.json)
  images/                 ~35 small PNG/JPEG sample images (+ images/manifest.json)
  reference/forward.safetensors         per-layer hidden states, pooled features and logits (F32)
  reference/pixels_rgb.safetensors      decode + convert("RGB") of every image (U8 [H,W,3])
  reference/pixels_resized.safetensors  Pillow resize results (U8 [H,W,3])
  reference/pixels_values.safetensors   torchvision recipe / SiglipImageProcessor outputs (F32 [3,H,W]) and logits
  reference/manifest.json               versions, Pillow resize-pass order, model dims, image list

How to run (from the repository root):
  ~/sigtune-ref/bin/python Tests/Fixtures/make_reference.py
Optional: `--out DIR` writes models/, images/, reference/ under DIR instead (e.g. to diff against the committed
fixtures). Runtime ~15 s on 2 cores. Besides writing files it asserts, bit-exactly, numpy emulations of Pillow's
resize (incl. the Pillow-13 pass-order rule), of torch's uint8 antialiased resize and of all three preprocessing
pipelines (torchvision recipe, SiglipImageProcessor, SiglipImageProcessorPil); see README.md.

Determinism: every random quantity comes from a fixed seed (numpy default_rng / torch.Generator /
torch.manual_seed), torch runs single-threaded, and every output is written in a fixed order, so re-running the
script with the same package versions (requirements.txt) produces byte-identical files.
Nothing is downloaded: every model is built from a config with random initialisation; no Hugging Face Hub access.
images/ and this script's own models/ directories and reference/ files are deleted and rebuilt on every run; the
files of make_training_reference.py (models/tiny32-regression, the other reference/ files) are left alone.
"""

import argparse
import copy
import io
import json
import os
import platform
import shutil
import struct
import warnings
import zlib
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import safetensors  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
import transformers  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from torchvision import transforms as T  # noqa: E402
from transformers import (  # noqa: E402
    AutoImageProcessor,
    SiglipConfig,
    SiglipForImageClassification,
    SiglipImageProcessor,
    SiglipModel,
    SiglipVisionConfig,
    SiglipVisionModel,
)

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
torch.set_num_threads(1)
warnings.filterwarnings("ignore", message="Palette images with Transparency expressed in bytes")

HERE = Path(__file__).resolve().parent
MB = 1024 * 1024


# =====================================================================================================================
# Small PNG encoder (Pillow cannot write 2/4-bit grey, 16-bit RGB/RGBA/LA, Adam7, arbitrary tRNS ...)
# =====================================================================================================================

def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def _pack_row(row: np.ndarray, bit_depth: int) -> bytes:
    """row: [W, C] integer samples -> packed scanline bytes (big-endian, MSB-first bit packing)."""
    if bit_depth == 16:
        return row.astype(">u2").tobytes()
    if bit_depth == 8:
        return row.astype(np.uint8).tobytes()
    flat = row.reshape(-1).astype(np.uint32)
    per = 8 // bit_depth
    out = bytearray((len(flat) + per - 1) // per)
    for i, v in enumerate(flat):
        out[i // per] |= int(v) << (8 - bit_depth * (i % per + 1))
    return bytes(out)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _filter(line: bytes, prev: bytes, ftype: int, bpp: int) -> bytes:
    out = bytearray(len(line))
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if ftype == 0:
            p = 0
        elif ftype == 1:
            p = a
        elif ftype == 2:
            p = b
        elif ftype == 3:
            p = (a + b) >> 1
        else:
            p = _paeth(a, b, c)
        out[i] = (x - p) & 0xFF
    return bytes([ftype]) + bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def encode_png(samples, bit_depth, color_type, palette=None, trns=None, interlace=False, filters="mixed",
               idat_split=None, text=None) -> bytes:
    """samples: [H, W, C] integer array (C = 1 grey/palette, 2 grey+alpha, 3 RGB, 4 RGBA).
    filters: "none" (type 0 everywhere) or "mixed" (row r of each pass uses filter r % 5)."""
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[:, :, None]
    h, w, c = samples.shape
    bpp = max(1, c * bit_depth // 8)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue  # empty Adam7 pass: no scanlines, no filter bytes
        prev = bytes(len(_pack_row(sub[0], bit_depth)))
        for r in range(sub.shape[0]):
            line = _pack_row(sub[r], bit_depth)
            ftype = 0 if filters == "none" else (r % 5)
            raw += _filter(line, prev, ftype, bpp)
            prev = line
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
    if text:
        out += _chunk(b"tEXt", b"Comment\x00" + text.encode("latin-1"))
    if palette is not None:
        out += _chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    data = zlib.compress(bytes(raw), 9)
    if idat_split:
        for i in range(0, len(data), idat_split):
            out += _chunk(b"IDAT", data[i:i + idat_split])
    else:
        out += _chunk(b"IDAT", data)
    return out + _chunk(b"IEND", b"")


# =====================================================================================================================
# Image content: gradients + shapes + seeded noise (so that resize / channel / decode bugs show)
# =====================================================================================================================

def content_rgb(w, h, seed, noise=0.06):
    """float64 [H, W, 3] in [0, 1]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    fx, fy = x / max(w - 1, 1), y / max(h - 1, 1)
    period = max(6.0, (w + h) / 5.0)
    img = np.stack([fx, fy, 0.5 + 0.5 * np.sin(2 * np.pi * (x + 0.7 * y) / period)], axis=-1)
    # a disc, a rectangle and a thin diagonal line, positions depend on the seed
    cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.25, 0.75) * h
    rad = max(1.5, 0.25 * min(w, h))
    img[(x - cx) ** 2 + (y - cy) ** 2 < rad ** 2] = rng.uniform(0, 1, 3)
    x0, y0 = int(rng.integers(0, max(1, w // 2))), int(rng.integers(0, max(1, h // 2)))
    img[y0:y0 + max(1, h // 4), x0:x0 + max(1, w // 3)] = rng.uniform(0, 1, 3)
    img[np.abs(x * h - y * w) < max(w, h) * 0.6] = [1.0, 1.0, 1.0]
    img = img + rng.normal(0.0, noise, img.shape)
    return np.clip(img, 0.0, 1.0)


def to_gray(img):
    return img @ np.array([0.299, 0.587, 0.114])


def alpha_plane(w, h, seed):
    """Alpha in [0,1]: fully transparent, fully opaque and partial regions."""
    rng = np.random.default_rng(seed + 1000)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a = x / max(w - 1, 1)
    a[: max(1, h // 4)] = 0.0
    a[h - max(1, h // 4):] = 1.0
    a = a + rng.normal(0, 0.05, a.shape) * (a > 0) * (a < 1)
    return np.clip(a, 0, 1)


def q(v, bits):
    return np.round(v * ((1 << bits) - 1)).astype(np.int64)


def index_map(w, h, seed, n):
    img = content_rgb(w, h, seed, noise=0.1)
    v = (img[..., 0] * 0.5 + img[..., 1] * 0.3 + img[..., 2] * 0.2)
    return np.clip(np.floor(v * n), 0, n - 1).astype(np.int64)


def palette_for(n, seed):
    rng = np.random.default_rng(seed + 2000)
    return rng.integers(0, 256, size=(n, 3))


# =====================================================================================================================
# Images
# =====================================================================================================================

def make_images(img_dir: Path):
    img_dir.mkdir(parents=True, exist_ok=True)
    entries = []

    def png(name, data, note):
        (img_dir / name).write_bytes(data)
        entries.append((name, "PNG", note))

    def pil_save(name, im, fmt, note, **kw):
        buf = io.BytesIO()
        im.save(buf, fmt, **kw)
        (img_dir / name).write_bytes(buf.getvalue())
        entries.append((name, fmt, note))

    # ---------------- PNG, every colour type / bit depth (own encoder) ----------------
    w, h, s = 37, 29, 101
    png("png_gray1.png", encode_png(q(to_gray(content_rgb(w, h, s)) > 0.5, 1), 1, 0),
        "grey 1-bit (Pillow mode '1'); mixed filters")
    w, h, s = 33, 21, 102
    png("png_gray2.png", encode_png(q(to_gray(content_rgb(w, h, s)), 2), 2, 0),
        "grey 2-bit; Pillow scales samples by 85")
    w, h, s = 27, 35, 103
    png("png_gray4.png", encode_png(q(to_gray(content_rgb(w, h, s)), 4), 4, 0, text="sigtune"),
        "grey 4-bit; Pillow scales by 17; has a tEXt chunk")
    w, h, s = 48, 48, 104
    png("png_gray8.png", encode_png(q(to_gray(content_rgb(w, h, s)), 8), 8, 0, idat_split=200),
        "grey 8-bit, exactly 48x48 (no resize for tiny48); IDAT split into 200-byte chunks")
    w, h, s = 31, 23, 105
    png("png_gray16.png", encode_png(q(to_gray(content_rgb(w, h, s)), 10), 16, 0),
        "grey 16-bit holding 10-bit data 0..1023 (Pillow mode 'I;16'); convert('RGB') CLIPS to 255, "
        "it does not scale (README)")
    w, h, s = 29, 31, 106
    img = content_rgb(w, h, s)
    png("png_graya8.png", encode_png(np.stack([q(to_gray(img), 8), q(alpha_plane(w, h, s), 8)], -1), 8, 4),
        "grey+alpha 8-bit (Pillow 'LA')")
    w, h, s = 26, 19, 107
    img = content_rgb(w, h, s)
    png("png_graya16.png", encode_png(np.stack([q(to_gray(img), 16), q(alpha_plane(w, h, s), 16)], -1), 16, 4),
        "grey+alpha 16-bit (Pillow decodes to 'RGBA', high bytes)")
    w, h, s = 32, 32, 108
    png("png_rgb8.png", encode_png(q(content_rgb(w, h, s), 8), 8, 2),
        "RGB 8-bit, exactly 32x32 (no resize for tiny32)")
    w, h, s = 35, 27, 109
    png("png_rgb16.png", encode_png(q(content_rgb(w, h, s), 16), 16, 2),
        "RGB 16-bit (Pillow keeps the high byte)")
    w, h, s = 41, 33, 110
    img = content_rgb(w, h, s)
    png("png_rgba8.png", encode_png(np.concatenate([q(img, 8), q(alpha_plane(w, h, s), 8)[..., None]], -1), 8, 6),
        "RGBA 8-bit with transparent / partial / opaque regions")
    w, h, s = 23, 30, 111
    img = content_rgb(w, h, s)
    png("png_rgba16.png", encode_png(np.concatenate([q(img, 16), q(alpha_plane(w, h, s), 16)[..., None]], -1),
                                     16, 6), "RGBA 16-bit")
    w, h, s = 30, 22, 112
    png("png_pal1.png", encode_png(index_map(w, h, s, 2), 1, 3, palette=palette_for(2, s)),
        "palette 1-bit (2 entries)")
    w, h, s = 25, 25, 113
    png("png_pal2.png", encode_png(index_map(w, h, s, 4), 2, 3, palette=palette_for(4, s)),
        "palette 2-bit (4 entries)")
    w, h, s = 36, 28, 114
    trns = bytes([0, 64, 128, 200, 255, 10])  # alpha for the first 6 of 16 entries, the rest are opaque
    png("png_pal4_trns.png", encode_png(index_map(w, h, s, 16), 4, 3, palette=palette_for(16, s), trns=trns),
        "palette 4-bit with a tRNS chunk (6 alpha entries)")
    w, h, s = 44, 37, 115
    png("png_pal8.png", encode_png(index_map(w, h, s, 200), 8, 3, palette=palette_for(200, s)),
        "palette 8-bit, 200-entry PLTE")
    w, h, s = 28, 24, 116
    g = q(to_gray(content_rgb(w, h, s, noise=0.0)), 4) * 17  # few distinct values so the tRNS key occurs often
    key = int(np.bincount(g.reshape(-1)).argmax())
    png("png_gray8_trns.png", encode_png(g, 8, 0, trns=struct.pack(">H", key)),
        f"grey 8-bit with tRNS key {key} (Pillow 'L' + info['transparency'])")
    w, h, s = 34, 26, 117
    rgb = q(np.round(content_rgb(w, h, s, noise=0.0) * 3) / 3, 8)
    flat = rgb.reshape(-1, 3)
    vals, counts = np.unique(flat, axis=0, return_counts=True)
    k = vals[counts.argmax()]
    png("png_rgb8_trns.png", encode_png(rgb, 8, 2, trns=struct.pack(">HHH", *[int(v) for v in k])),
        f"RGB 8-bit with tRNS key {tuple(int(v) for v in k)}")
    w, h, s = 39, 31, 118
    png("png_rgb8_interlaced.png", encode_png(q(content_rgb(w, h, s), 8), 8, 2, interlace=True),
        "RGB 8-bit, Adam7 interlaced")
    w, h, s = 13, 11, 119
    png("png_gray4_interlaced.png", encode_png(q(to_gray(content_rgb(w, h, s)), 4), 4, 0, interlace=True),
        "grey 4-bit, Adam7 interlaced")
    w, h, s = 6, 3, 120
    img = content_rgb(w, h, s)
    png("png_rgba16_interlaced.png",
        encode_png(np.concatenate([q(img, 16), q(alpha_plane(w, h, s), 16)[..., None]], -1), 16, 6,
                   interlace=True),
        "RGBA 16-bit Adam7, 6x3: several empty Adam7 passes; extreme upscale")

    # ---------------- Sizes that exercise resize (PNG via Pillow / own encoder) ----------------
    w, h, s = 20, 13, 130
    pil_save("png_upscale_20x13.png", Image.fromarray(q(content_rgb(w, h, s), 8).astype(np.uint8)), "PNG",
             "20x13 RGB (written by Pillow): upscale")
    w, h, s = 17, 500, 131
    png("png_tall_17x500.png", encode_png(q(content_rgb(w, h, s, noise=0.03), 8), 8, 2, filters="none"),
        "17x500 tall: Pillow 13 resizes vertically first (pass-order rule)")
    w, h, s = 500, 17, 132
    png("png_wide_500x17.png", encode_png(q(content_rgb(w, h, s, noise=0.03), 8), 8, 2, filters="none"),
        "500x17 wide")
    w, h, s = 61, 9, 133
    png("png_odd_61x9.png", encode_png(q(content_rgb(w, h, s), 8), 8, 2),
        "61x9 odd aspect ratio (down in x, up in y)")
    w, h, s = 48, 32, 134
    png("png_rgb8_48x32.png", encode_png(q(content_rgb(w, h, s), 8), 8, 2),
        "48x32: only one dimension changes for 32x32 and for 48x48 targets")

    # ---------------- JPEG ----------------
    def rgb_img(w, h, s, noise=0.04):
        return Image.fromarray(q(content_rgb(w, h, s, noise=noise), 8).astype(np.uint8))

    pil_save("jpeg_420_300x200.jpg", rgb_img(300, 200, 140, 0.02), "JPEG",
             "baseline RGB 4:2:0, 300x200 (downscale)", quality=85, subsampling=2)
    pil_save("jpeg_444_120x90.jpg", rgb_img(120, 90, 141), "JPEG", "baseline RGB 4:4:4, 120x90 (downscale)",
             quality=90, subsampling=0)
    pil_save("jpeg_422_45x31.jpg", rgb_img(45, 31, 142), "JPEG", "baseline RGB 4:2:2, odd size (partial MCUs)",
             quality=90, subsampling=1)
    pil_save("jpeg_420_odd_33x17.jpg", rgb_img(33, 17, 143), "JPEG", "baseline RGB 4:2:0, odd size (partial MCUs)",
             quality=90, subsampling=2)
    pil_save("jpeg_progressive_77x45.jpg", rgb_img(77, 45, 144), "JPEG", "progressive RGB 4:2:0",
             quality=90, subsampling=2, progressive=True)
    pil_save("jpeg_gray_50x38.jpg", rgb_img(50, 38, 145).convert("L"), "JPEG", "greyscale baseline",
             quality=90)
    pil_save("jpeg_restart_40x40.jpg", rgb_img(40, 40, 146), "JPEG", "baseline 4:2:0 with restart markers (DRI=1)",
             quality=90, subsampling=2, restart_marker_blocks=1)
    cmyk = rgb_img(45, 35, 147).convert("CMYK")
    buf = io.BytesIO()
    cmyk.save(buf, "JPEG", quality=92)
    cmyk_bytes = buf.getvalue()
    (img_dir / "jpeg_cmyk_45x35.jpg").write_bytes(cmyk_bytes)
    entries.append(("jpeg_cmyk_45x35.jpg", "JPEG",
                    "CMYK written by Pillow: Adobe APP14 (transform 0), inverted (Adobe) CMYK values"))
    app14 = cmyk_bytes.find(b"\xff\xee")
    assert app14 > 0 and cmyk_bytes[app14 + 4:app14 + 9] == b"Adobe", "Pillow CMYK JPEG has no Adobe marker"
    transform_pos = app14 + 4 + 11
    assert cmyk_bytes[transform_pos] == 0
    ycck = bytearray(cmyk_bytes)
    ycck[transform_pos] = 2
    (img_dir / "jpeg_ycck_45x35.jpg").write_bytes(bytes(ycck))
    entries.append(("jpeg_ycck_45x35.jpg", "JPEG",
                    "YCCK: the CMYK file above with the Adobe transform byte patched 0->2, so the decoder "
                    "must apply YCC->RGB to components 1-3 (colours look odd; content is arbitrary)"))
    noadobe = bytearray(cmyk_bytes)
    seglen = struct.unpack(">H", cmyk_bytes[app14 + 2:app14 + 4])[0]
    noadobe[app14:app14 + 2] = b"\xff\xfe"  # turn APP14 into a COM segment of the same length
    (img_dir / "jpeg_cmyk_noadobe_45x35.jpg").write_bytes(bytes(noadobe))
    assert seglen > 0
    entries.append(("jpeg_cmyk_noadobe_45x35.jpg", "JPEG",
                    "the CMYK file with APP14 turned into a COM segment; Pillow still assumes inverted CMYK"))
    exif = Image.Exif()
    exif[0x0112] = 6
    pil_save("jpeg_exif_orient6_40x24.jpg", rgb_img(40, 24, 148), "JPEG",
             "EXIF Orientation=6; must NOT be applied (stays 40x24)", quality=90, exif=exif.tobytes())

    manifest = []
    for name, fmt, note in entries:
        with Image.open(img_dir / name) as im:
            im.load()
            manifest.append({"file": name, "format": fmt, "pil_mode": im.mode, "width": im.width,
                             "height": im.height, "note": note})
    return manifest


# =====================================================================================================================
# Models
# =====================================================================================================================

TEXT_CONFIG = dict(vocab_size=64, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                   max_position_embeddings=16, bos_token_id=62, eos_token_id=63, pad_token_id=1)
VISION32 = dict(image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=256)
VISION48 = dict(image_size=48, patch_size=16, hidden_size=96, num_hidden_layers=3, num_attention_heads=6,
                intermediate_size=384)
PROC32 = dict(size={"height": 32, "width": 32}, resample=2, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
PROC48 = dict(size={"height": 48, "width": 48}, resample=3, image_mean=[0.485, 0.456, 0.406],
              image_std=[0.229, 0.224, 0.225])


def perturb(model, seed):
    """Add N(0, 0.02^2) noise to every LayerNorm weight/bias and every bias (incl. classifier.bias and the MAP-head
    in_proj_bias), in state-dict order, from a seeded generator. Weights of Linear/Conv/Embedding/probe are left as
    transformers initialised them (seeded by torch.manual_seed)."""
    g = torch.Generator().manual_seed(seed)
    ln_params = set()
    for mname, mod in model.named_modules():
        if isinstance(mod, torch.nn.LayerNorm):
            for pname, _ in mod.named_parameters(recurse=False):
                ln_params.add(f"{mname}.{pname}" if mname else pname)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in ln_params or name.endswith("bias") and p.dtype.is_floating_point and p.ndim == 1:
                p.add_(torch.randn(p.shape, generator=g, dtype=torch.float32) * 0.02)


def build_models(models_dir: Path):
    specs = {}

    def save(name, model, proc_kw, **kw):
        d = models_dir / name
        model.save_pretrained(d, **kw)
        SiglipImageProcessor(**proc_kw).save_pretrained(d)
        return d

    labels3 = ["cat", "dog", "bird"]
    labels5 = ["apple", "banana", "cherry", "date", "elderberry"]
    labels4 = ["red", "green", "blue", "round"]

    def cls_config(vision, labels, **extra):
        return SiglipConfig(vision_config=dict(vision), text_config=dict(TEXT_CONFIG),
                            id2label={i: l for i, l in enumerate(labels)},
                            label2id={l: i for i, l in enumerate(labels)}, **extra)

    torch.manual_seed(1001)
    m32 = SiglipForImageClassification(cls_config(VISION32, labels3)).eval()
    perturb(m32, 2001)
    save("tiny32", m32, PROC32)
    save("tiny32-bf16", copy.deepcopy(m32).to(torch.bfloat16), PROC32)

    torch.manual_seed(1002)
    m48 = SiglipForImageClassification(cls_config(VISION48, labels5)).eval()
    perturb(m48, 2002)
    save("tiny48", m48, PROC48)
    save("tiny48-bf16", copy.deepcopy(m48).to(torch.bfloat16), PROC48)
    save("tiny48-sharded", m48, PROC48, max_shard_size="800KB")

    torch.manual_seed(1003)
    mml = SiglipForImageClassification(cls_config(VISION32, labels4,
                                                  problem_type="multi_label_classification")).eval()
    perturb(mml, 2003)
    save("tiny32-multilabel", mml, PROC32)

    torch.manual_seed(1004)
    msm = SiglipModel(SiglipConfig(vision_config=dict(VISION32), text_config=dict(TEXT_CONFIG))).eval()
    perturb(msm, 2004)
    save("tiny32-siglipmodel", msm, PROC32)

    torch.manual_seed(1005)
    mvm = SiglipVisionModel(SiglipVisionConfig(**VISION32)).eval()
    perturb(mvm, 2005)
    save("tiny32-visionmodel", mvm, PROC32)


CLS_MODELS = ["tiny32", "tiny32-bf16", "tiny48", "tiny48-bf16", "tiny48-sharded", "tiny32-multilabel"]
OTHER_MODELS = ["tiny32-siglipmodel", "tiny32-visionmodel"]
MODEL_CLASS = {**{m: SiglipForImageClassification for m in CLS_MODELS},
               "tiny32-siglipmodel": SiglipModel, "tiny32-visionmodel": SiglipVisionModel}
INPUT_SEED = {"tiny32": 11, "tiny32-bf16": 11, "tiny48": 12, "tiny48-bf16": 12, "tiny48-sharded": 12,
              "tiny32-multilabel": 13, "tiny32-siglipmodel": 14, "tiny32-visionmodel": 15}


def load_model(models_dir, name, attn="eager"):
    model = MODEL_CLASS[name].from_pretrained(models_dir / name, attn_implementation=attn)
    loaded_dtype = next(model.parameters()).dtype
    return model.float().eval(), loaded_dtype


def vision_tower(model):
    # SiglipForImageClassification / SiglipModel: .vision_model; SiglipVisionModel (v5) is the tower itself
    return model if isinstance(model, SiglipVisionModel) else model.vision_model


# =====================================================================================================================
# Forward references
# =====================================================================================================================

def forward_refs(models_dir: Path, log):
    tensors = {}
    model_info = []
    for name in CLS_MODELS + OTHER_MODELS:
        model, loaded_dtype = load_model(models_dir, name)
        vcfg = model.config if isinstance(model, SiglipVisionModel) else model.config.vision_config
        H = W = vcfg.image_size
        P, D, L = vcfg.patch_size, vcfg.hidden_size, vcfg.num_hidden_layers
        N = (H // P) * (W // P)
        g = torch.Generator().manual_seed(INPUT_SEED[name])
        pv = torch.randn((3, 3, H, W), generator=g, dtype=torch.float32)
        tensors[f"{name}/pixel_values"] = pv
        tower = vision_tower(model)
        with torch.no_grad():
            # hidden states recorded with hooks (independent of output_hidden_states plumbing)
            recorded = []
            hooks = [tower.embeddings.register_forward_hook(lambda m, i, o: recorded.append(o))]
            for layer in tower.encoder.layers:
                hooks.append(layer.register_forward_hook(
                    lambda m, i, o: recorded.append(o[0] if isinstance(o, tuple) else o)))
            out = tower(pixel_values=pv, output_hidden_states=True)
            for hk in hooks:
                hk.remove()
            last = out.last_hidden_state
            pooled = last.mean(dim=1)
            assert len(recorded) == L + 1 and len(out.hidden_states) == L + 1
            for i in range(L + 1):
                assert torch.equal(recorded[i], out.hidden_states[i]), (name, i)
            assert torch.equal(tower.post_layernorm(out.hidden_states[L]), last)
            if name in CLS_MODELS:
                logits = model(pixel_values=pv).logits
                assert torch.equal(logits, model.classifier(pooled)), name
                sdpa_model, _ = load_model(models_dir, name, attn="sdpa")
                sdpa_logits = sdpa_model(pixel_values=pv).logits
                d = float((sdpa_logits - logits).abs().max())
                log(f"  {name:18s} loaded {str(loaded_dtype):15s} eager-vs-sdpa max|dlogits| = {d:.3g}"
                    + ("" if d <= 1e-6 else "  ** EXCEEDS 1e-6 **"))
                tensors[f"{name}/logits"] = logits.contiguous()
                for i in range(L + 1):
                    tensors[f"{name}/hidden_state.{i}"] = out.hidden_states[i].contiguous()
            tensors[f"{name}/pooled"] = pooled.contiguous()
            tensors[f"{name}/last_hidden_state"] = last.contiguous()
        K = model.config.num_labels if name in CLS_MODELS else None
        model_info.append({"name": name, "class": type(model).__name__,
                           "model_type": model.config.model_type,
                           "weights_dtype": str(loaded_dtype).replace("torch.", ""),
                           "K": K, "D": D, "N": N, "L": L, "H": H, "W": W, "patch": P,
                           "heads": vcfg.num_attention_heads, "intermediate": vcfg.intermediate_size,
                           "problem_type": getattr(model.config, "problem_type", None)})
    return tensors, model_info


# =====================================================================================================================
# Pixel references
# =====================================================================================================================

RESAMPLE_NAME = {Image.BILINEAR: "bilinear", Image.BICUBIC: "bicubic"}
TV_INTERP = {2: T.InterpolationMode.BILINEAR, 3: T.InterpolationMode.BICUBIC}

# extra resize targets for a few images (keeps the files small)
EXTRA_RESIZE = {
    "png_tall_17x500.png": [((224, 224), [Image.BILINEAR, Image.BICUBIC]), ((40, 17), None), ((17, 40), None)],
    "jpeg_420_300x200.jpg": [((224, 224), [Image.BILINEAR]), ((40, 17), None), ((17, 40), None)],
    "png_upscale_20x13.png": [((224, 224), [Image.BICUBIC]), ((40, 17), None), ((17, 40), None)],
    "png_rgba8.png": [((40, 17), None), ((17, 40), None)],
}
# images that get F32 pixel_values / processor / processor_pil / logits (size budget: 120 KB per image)
VALUE_IMAGES = [
    "png_rgb8.png", "png_gray8.png", "png_rgba8.png", "png_pal4_trns.png", "png_upscale_20x13.png",
    "png_tall_17x500.png", "jpeg_420_300x200.jpg",
]
PIXEL_MODELS = {"tiny32": PROC32, "tiny48": PROC48}


def u8(a):
    return torch.from_numpy(np.array(a, dtype=np.uint8, copy=True))


# ---- pure-numpy emulations of the two uint8 resamplers (asserted bit-exact below; documented in README) ----

def _kernel(kind, x):
    x = abs(x)
    if kind == "bilinear":
        return 1.0 - x if x < 1.0 else 0.0
    a = -0.5  # Pillow and torch bicubic
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    if x < 2.0:
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return 0.0


def _axis_coeffs(in_size, out_size, kind, flavour):
    """Antialiased separable-filter taps, identical in double for Pillow and torch; only the fixed-point
    precision differs: Pillow 22 bits, torch the largest p < 22 with int(0.5 + wmax * 2^(p+1)) < 2^15."""
    scale = in_size / out_size
    fs = max(scale, 1.0)
    support = (1.0 if kind == "bilinear" else 2.0) * fs
    inv = 1.0 / fs
    rows, wmax = [], 0.0
    for i in range(out_size):
        center = (i + 0.5) * scale
        xmin = max(0, int(center - support + 0.5))
        xmax = min(in_size, int(center + support + 0.5))
        w = [_kernel(kind, (j + xmin - center + 0.5) * inv) for j in range(xmax - xmin)]
        tot = 0.0
        for v in w:
            tot += v
        if tot != 0.0:
            w = [v / tot for v in w]
        wmax = max([wmax] + w)
        rows.append((xmin, w))
    if flavour == "pillow":
        prec = 22
    else:
        prec = 0
        while prec < 22 and int(0.5 + wmax * (1 << (prec + 1))) < (1 << 15):
            prec += 1
    scale_i = float(1 << prec)
    rows_i = [(xmin, [int(-0.5 + v * scale_i) if v < 0 else int(0.5 + v * scale_i) for v in w]) for xmin, w in rows]
    return rows_i, prec


def _resample_axis(img, out_size, kind, axis, flavour):
    rows, prec = _axis_coeffs(img.shape[axis], out_size, kind, flavour)
    src = np.moveaxis(img, axis, 0)
    out = np.empty((out_size,) + src.shape[1:], dtype=np.int64)
    for i, (xmin, w) in enumerate(rows):
        acc = np.full(src.shape[1:], 1 << (prec - 1), dtype=np.int64)
        for j, wj in enumerate(w):
            acc += src[xmin + j] * wj
        out[i] = np.clip(acc >> prec, 0, 255)  # arithmetic shift, then clamp to uint8
    return np.moveaxis(out, 0, axis)


def emulate_resize(arr, W, H, kind, flavour, order):
    """arr uint8 [h, w, 3]. order: 'h_first' (Pillow <= 12.1, torch) or 'pillow13' (vertical first iff
    in_h > out_h and (in_h - out_h) > 2 * (in_w - out_w)). A pass runs only if its dimension changes."""
    img = arr.astype(np.int64)
    in_h, in_w = img.shape[:2]
    v_first = order == "pillow13" and in_h > H and (in_h - H) > 2 * (in_w - W)
    steps = [("v", H, 0), ("h", W, 1)] if v_first else [("h", W, 1), ("v", H, 0)]
    for _, size, axis in steps:
        if img.shape[axis] != size:
            img = _resample_axis(img, size, kind, axis, flavour)
    return img.astype(np.uint8)


def composite_on_white(rgba):
    """Pillow AlphaComposite.c (PRECISION_BITS = 7) with an opaque white destination; uint8 [..., 4] -> [..., 3]."""
    src = rgba.astype(np.int64)
    a = src[..., 3:4]
    outa255 = a * 255 + 255 * (255 - a)
    coef1 = np.where(a == 0, 0, (a * 255 * 255 * 128) // np.maximum(outa255, 1))
    coef2 = 255 * 128 - coef1
    tmp = src[..., :3] * coef1 + 255 * coef2 + (0x80 << 7)
    out = (((tmp >> 8) + tmp) >> 8) >> 7
    return np.where(a == 0, 255, out).astype(np.uint8)


def check_composite_formula():
    v, a = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    rgba = np.stack([v, 255 - v, v // 2, a], -1).astype(np.uint8)
    pil = Image.alpha_composite(Image.new("RGBA", (256, 256), (255, 255, 255, 255)), Image.fromarray(rgba, "RGBA"))
    assert np.array_equal(np.asarray(pil.convert("RGB")), composite_on_white(rgba)), "alpha composite formula"


def hf_convert_rgb(im):
    """transformers.image_transforms.convert_to_rgb for a PIL image (both processor backends)."""
    if "A" in im.getbands() or im.info.get("transparency") is not None:
        rgba = im.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return im.convert("RGB")


def pixel_refs(img_dir: Path, models_dir: Path, image_names, log):
    rgb_t, resized_t, values_t = {}, {}, {}
    order_sensitive = []
    n_alpha = 0
    check_composite_formula()
    pillow_order = "pillow13" if pillow_resize_order() == "pillow13" else "h_first"
    for f in image_names:
        with Image.open(img_dir / f) as im:
            rgb = im.convert("RGB")
            if "A" in im.getbands() or im.info.get("transparency") is not None:
                n_alpha += 1
                assert np.array_equal(np.asarray(hf_convert_rgb(im)),
                                      composite_on_white(np.asarray(im.convert("RGBA")))), f
        arr = np.asarray(rgb)
        rgb_t[f"rgb/{f}"] = u8(arr)
        targets = [((32, 32), None), ((48, 48), None)] + EXTRA_RESIZE.get(f, [])
        for (W, H), filters in targets:
            for rs in (filters or [Image.BILINEAR, Image.BICUBIC]):
                key = f"resized/{f}/{W}x{H}/{RESAMPLE_NAME[rs]}"
                res = np.asarray(rgb.resize((W, H), rs))
                resized_t[key] = u8(res)
                emu = emulate_resize(arr, W, H, RESAMPLE_NAME[rs], "pillow", pillow_order)
                assert np.array_equal(emu, res), f"Pillow resize emulation mismatch: {key}"
                other = emulate_resize(arr, W, H, RESAMPLE_NAME[rs], "pillow",
                                       "h_first" if pillow_order == "pillow13" else "pillow13")
                if not np.array_equal(other, res):
                    order_sensitive.append({"key": key, "max_abs_diff_other_order": int(
                        np.abs(other.astype(int) - res.astype(int)).max())})
    log(f"  Pillow resize emulation ({pillow_order}) bit-exact on all {len(resized_t)} resized tensors; "
        f"{len(order_sensitive)} depend on the pass order: "
        + ", ".join(f"{o['key']} (max {o['max_abs_diff_other_order']})" for o in order_sensitive))

    log(f"  alpha composite on white (AlphaComposite.c formula) bit-exact, checked on all 65536 (value, alpha) "
        f"pairs and on the {n_alpha} images with alpha or tRNS")
    stats = {"order_sensitive_resized": order_sensitive}
    for mname, pk in PIXEL_MODELS.items():
        H, W = pk["size"]["height"], pk["size"]["width"]
        kind = RESAMPLE_NAME[pk["resample"]]
        recipe = T.Compose([T.Resize((H, W), interpolation=TV_INTERP[pk["resample"]]), T.ToTensor(),
                            T.Normalize(pk["image_mean"], pk["image_std"])])
        proc = AutoImageProcessor.from_pretrained(models_dir / mname)
        proc_pil = AutoImageProcessor.from_pretrained(models_dir / mname, backend="pil")
        model, _ = load_model(models_dir, mname)
        mean32 = np.array(pk["image_mean"], dtype=np.float32)[:, None, None]
        std32 = np.array(pk["image_std"], dtype=np.float32)[:, None, None]
        # torchvision backend: rescale fused into normalize, mean*255 and std*255 computed in float32
        fmean = mean32 * np.float32(255.0)
        fstd = std32 * np.float32(255.0)
        maxdiff, ndiff = 0, 0
        for f in VALUE_IMAGES:
            with Image.open(img_dir / f) as im:
                rgb = im.convert("RGB")
                pv = recipe(rgb)
                pp = proc(images=im, return_tensors="pt")["pixel_values"][0]
                ppp = proc_pil(images=im, return_tensors="pt")["pixel_values"][0]
                comp = np.asarray(hf_convert_rgb(im))
            arr = np.asarray(rgb)
            # (1) recipe: Pillow resize, ToTensor = f32(v)/255 (true division), Normalize = (x - m) / s in f32
            res = arr if arr.shape[:2] == (H, W) else emulate_resize(arr, W, H, kind, "pillow", pillow_order)
            x = res.astype(np.float32).transpose(2, 0, 1)
            assert np.array_equal((x / np.float32(255) - mean32) / std32, pv.numpy()), (mname, f, "recipe")
            # (2) SiglipImageProcessorPil: composite on white, Pillow resize, f64 v*(1/255) -> f32, (x - m)/s f32
            rc = comp if comp.shape[:2] == (H, W) else emulate_resize(comp, W, H, kind, "pillow", pillow_order)
            xc = rc.transpose(2, 0, 1)
            emu_pil = ((xc.astype(np.float64) * (1 / 255)).astype(np.float32) - mean32) / std32
            assert np.array_equal(emu_pil, ppp.numpy()), (mname, f, "processor_pil")
            # (3) SiglipImageProcessor (torchvision backend): composite, torch uint8 AA resize (h then v, int16
            #     weights), then (f32(v) - f32(mean*255)) / f32(std*255)
            rt = comp if comp.shape[:2] == (H, W) else emulate_resize(comp, W, H, kind, "torch", "h_first")
            emu_tv = (rt.transpose(2, 0, 1).astype(np.float32) - fmean) / fstd
            assert np.array_equal(emu_tv, pp.numpy()), (mname, f, "processor")
            dd = np.abs(rt.astype(np.int32) - rc.astype(np.int32))
            maxdiff, ndiff = max(maxdiff, int(dd.max())), ndiff + int((dd != 0).sum())
            values_t[f"pixel_values/{mname}/{f}"] = pv.contiguous()
            values_t[f"processor/{mname}/{f}"] = pp.contiguous()
            values_t[f"processor_pil/{mname}/{f}"] = ppp.contiguous()
            with torch.no_grad():
                values_t[f"logits/{mname}/{f}"] = model(pixel_values=pv[None]).logits[0].contiguous()
        stats[mname] = {"processor_class": type(proc).__name__, "processor_backend": proc.backend,
                        "processor_pil_class": type(proc_pil).__name__,
                        "torch_uint8_resize_vs_pillow_max_abs_diff": maxdiff,
                        "torch_uint8_resize_vs_pillow_num_diff_samples": ndiff}
        log(f"  {mname}: default processor {type(proc).__name__} (backend={proc.backend}), "
            f"PIL one {type(proc_pil).__name__}; all three pipelines emulated bit-exactly; "
            f"torch-uint8 vs Pillow resize on the value images: max|d|={maxdiff}, {ndiff} samples differ")
    return rgb_t, resized_t, values_t, stats


# =====================================================================================================================

def pillow_resize_order():
    v = tuple(int(x) for x in PIL.__version__.split(".")[:2])
    if v >= (13, 0):
        return "pillow13"
    if v >= (12, 2):
        return "pillow12.2"
    return "pillow11"


OWN_REFERENCE_FILES = ["forward.safetensors", "pixels_rgb.safetensors", "pixels_resized.safetensors",
                       "pixels_values.safetensors", "manifest.json"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output root (default: the script's directory)")
    args = ap.parse_args()
    out = args.out
    log = print

    # Delete only what this script writes: make_training_reference.py keeps its own files in models/ and reference/
    if (out / "images").exists():
        shutil.rmtree(out / "images")
    for name in CLS_MODELS + OTHER_MODELS:
        if (out / "models" / name).exists():
            shutil.rmtree(out / "models" / name)
    for f in OWN_REFERENCE_FILES:
        if (out / "reference" / f).exists():
            (out / "reference" / f).unlink()
    img_dir, models_dir, ref_dir = out / "images", out / "models", out / "reference"
    ref_dir.mkdir(parents=True, exist_ok=True)

    log("images ...")
    images = make_images(img_dir)
    (img_dir / "manifest.json").write_text(json.dumps(images, indent=2) + "\n")
    names = [e["file"] for e in images]

    log("models ...")
    build_models(models_dir)

    log("forward references ...")
    fwd, model_info = forward_refs(models_dir, log)
    save_file(fwd, str(ref_dir / "forward.safetensors"), metadata={"format": "pt"})

    log("pixel references ...")
    rgb_t, resized_t, values_t, stats = pixel_refs(img_dir, models_dir, names, log)
    save_file(rgb_t, str(ref_dir / "pixels_rgb.safetensors"), metadata={"format": "pt"})
    save_file(resized_t, str(ref_dir / "pixels_resized.safetensors"), metadata={"format": "pt"})
    save_file(values_t, str(ref_dir / "pixels_values.safetensors"), metadata={"format": "pt"})

    import sklearn  # noqa: E402  (versions only)
    import datasets  # noqa: E402
    manifest = {
        "versions": {
            "python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__,
            "transformers": transformers.__version__, "pillow": PIL.__version__, "numpy": np.__version__,
            "safetensors": safetensors.__version__, "scikit-learn": sklearn.__version__,
            "datasets": datasets.__version__,
        },
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "pillow_resize_order": pillow_resize_order(),
        "models": model_info,
        "pixel_models": {m: {**PIXEL_MODELS[m], **stats[m]} for m in PIXEL_MODELS},
        "order_sensitive_resized": stats["order_sensitive_resized"],
        "value_images": VALUE_IMAGES,
        "images": names,
        "files": {
            "forward": "reference/forward.safetensors",
            "rgb": "reference/pixels_rgb.safetensors",
            "resized": "reference/pixels_resized.safetensors",
            "values": "reference/pixels_values.safetensors",
        },
    }
    (ref_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    total = 0
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.parts[len(out.parts)] in ("models", "images", "reference"):
            total += p.stat().st_size
            assert p.stat().st_size < 2.5 * MB, f"{p} is too large"
    log(f"done: {total / MB:.2f} MiB in models/, images/, reference/")


if __name__ == "__main__":
    main()
