// sigtune_codecs.h: PNG and JPEG decoding from memory into 8-bit RGB, as Pillow's
// `Image.open(f).convert("RGB")` produces it.
//
// Why this C layer exists: libpng and libjpeg report errors by longjmp, which Swift cannot
// catch. Every setjmp/longjmp lives in this target; callers only see status codes and a
// message. Nothing here allocates the output: the caller reads the header first, checks
// the size, allocates width*height*3 bytes and then asks for the pixels.
//
// Usage (one thread per reader):
//   sigtune_codec_error err;
//   uint32_t w, h;
//   sigtune_image_reader *r = sigtune_reader_open(SIGTUNE_FORMAT_PNG, data, size, &w, &h, &err);
//   if (!r) { report err; }
//   ... allocate w*h*3 bytes ...
//   int status = sigtune_reader_read_rgb(r, rgb, &err);
//   sigtune_reader_close(r);
// `data` must stay valid and unchanged until sigtune_reader_close.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of every call. The numeric values are stable (Swift maps them to error kinds).
typedef enum {
    SIGTUNE_CODEC_OK = 0,
    /// The data ended before the image did.
    SIGTUNE_CODEC_TRUNCATED = 1,
    /// The decoding library rejected the data (bad CRC, bad Huffman table, bad header...).
    SIGTUNE_CODEC_CORRUPT = 2,
    /// A well-formed file this decoder cannot turn into RGB (e.g. 12-bit JPEG, 2-channel JPEG).
    SIGTUNE_CODEC_UNSUPPORTED = 3,
    /// malloc failed.
    SIGTUNE_CODEC_OUT_OF_MEMORY = 4,
    /// The API was called wrongly (null pointer, unknown format, read twice).
    SIGTUNE_CODEC_USAGE = 5,
} sigtune_codec_status;

/// Container formats this target decodes.
typedef enum {
    SIGTUNE_FORMAT_PNG = 1,
    SIGTUNE_FORMAT_JPEG = 2,
} sigtune_image_format;

/// Status plus a human-readable message (NUL-terminated, from the library where it has one).
typedef struct {
    int32_t status;
    char message[256];
} sigtune_codec_error;

/// An image whose header has been parsed and whose pixels have not been decoded yet.
typedef struct sigtune_image_reader sigtune_image_reader;

/// Parses the header only (PNG: up to the first IDAT; JPEG: up to the first SOS) and reports
/// the size. Returns NULL and fills `error` on failure. No pixel memory is allocated.
sigtune_image_reader *sigtune_reader_open(
    sigtune_image_format format, const uint8_t *data, size_t size,
    uint32_t *width, uint32_t *height, sigtune_codec_error *error);

/// Decodes the pixels into `rgb` (width*height*3 bytes, row-major, R,G,B), converting the
/// file's colour type exactly as Pillow's convert("RGB") does. Returns a sigtune_codec_status.
/// Call at most once per reader.
int32_t sigtune_reader_read_rgb(
    sigtune_image_reader *reader, uint8_t *rgb, sigtune_codec_error *error);

/// Frees the reader. Accepts NULL.
void sigtune_reader_close(sigtune_image_reader *reader);

/// Encodes 8-bit RGB (width*height*3 bytes, row-major) as a PNG (8-bit RGB, default compression).
/// On success returns SIGTUNE_CODEC_OK and sets *png / *png_size to a malloc'd buffer the caller frees
/// with sigtune_png_free.
int32_t sigtune_png_encode_rgb(
    const uint8_t *rgb, uint32_t width, uint32_t height,
    uint8_t **png, size_t *png_size, sigtune_codec_error *error);

/// Frees a buffer from sigtune_png_encode_rgb. Accepts NULL.
void sigtune_png_free(uint8_t *png);

#ifdef __cplusplus
}
#endif
