// pillow_convert.h: one decoded row in the file's own layout -> 3 bytes per pixel RGB,
// with the arithmetic of Pillow's unpackers (src/libImaging/Unpack.c) followed by
// Image.convert("RGB") (src/libImaging/Convert.c). Each function converts `count` pixels.
#pragma once

#include <stddef.h>
#include <stdint.h>

/// PNG gray of 1, 2 or 4 bits, already unpacked to one sample per byte (png_set_packing):
/// Pillow unpacks "1" to 0/255, "L;2" as v*0x55 and "L;4" as v*0x11 (Unpack.c unpack1,
/// unpackL2, unpackL4), then replicates L into R,G,B (Convert.c l2rgb / bit2rgb).
void sigtune_gray_low_bits_to_rgb(const uint8_t *in, uint8_t *out, size_t count, int bit_depth);

/// 8-bit L -> RGB: replicate (Convert.c l2rgb).
void sigtune_gray8_to_rgb(const uint8_t *in, uint8_t *out, size_t count);

/// 16-bit big-endian gray. Pillow opens it as mode "I;16" and Convert.c I16_RGB CLAMPS:
/// v = high byte == 0 ? low byte : 255. (Not a rescale: 0x0100 becomes 255, 0x00ff stays 255.)
void sigtune_gray16be_to_rgb(const uint8_t *in, uint8_t *out, size_t count);

/// 8-bit gray+alpha ("LA") -> RGB: replicate L, drop A without compositing (Convert.c la2rgb).
/// 16-bit LA reaches here already reduced to its high bytes (Unpack.c unpackRGBALA16B).
void sigtune_gray_alpha8_to_rgb(const uint8_t *in, uint8_t *out, size_t count);

/// RGBA -> RGB: drop A without compositing (Convert.c rgba2rgb).
void sigtune_rgba8_to_rgb(const uint8_t *in, uint8_t *out, size_t count);

/// Palette index -> RGB by lookup in a 256-entry table (Convert.c p2rgb). Entries past the
/// file's PLTE are black, as in Pillow 13's calloc'ed palette (Palette.c ImagingPaletteNew).
void sigtune_palette_to_rgb(const uint8_t *in, uint8_t *out, size_t count,
                            const uint8_t palette_rgb[256 * 3]);

/// Adobe CMYK as libjpeg returns it (stored inverted) -> RGB. Pillow decodes 4-channel JPEG
/// with rawmode "CMYK;I" (JpegImagePlugin.py "assume adobe conventions"), which inverts every
/// byte (Unpack.c unpackCMYKI), then Convert.c cmyk2rgb:
///   nk = 255 - K;  R = CLIP8(nk - MULDIV255(C, nk))  (likewise G from M, B from Y),
///   MULDIV255(a, b) = (t = a*b + 128, ((t >> 8) + t) >> 8)   (ImagingUtils.h).
void sigtune_inverted_cmyk_to_rgb(const uint8_t *in, uint8_t *out, size_t count);
