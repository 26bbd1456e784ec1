// png_reader.c: PNG from memory -> RGB with libpng, matching Pillow's PngImagePlugin + convert("RGB").
//
// Pillow decodes PNG with its own zlib decoder and unpackers; PNG is lossless, so libpng gives
// the same samples as long as we ask for no colour transformations (no gamma, no tRNS expansion,
// no background). What Pillow does per IHDR colour type/bit depth (PngImagePlugin.py _MODES,
// then Convert.c):
//   gray 1/2/4      -> "1"/"L;2"/"L;4": scaled to 0..255, replicated    (pillow_convert.h)
//   gray 8          -> "L", replicated
//   gray 16         -> "I;16", convert("RGB") clamps to 255              (Convert.c I16_RGB)
//   RGB 8/16        -> "RGB"; 16-bit keeps the high byte                 (Unpack.c unpackRGB16B)
//   palette 1..8    -> "P", palette lookup; tRNS only sets info["transparency"], which
//                      convert("RGB") ignores
//   gray+alpha 8    -> "LA", alpha dropped; 16-bit opens as "RGBA" via "LA;16B" (high bytes)
//   RGBA 8/16       -> "RGBA", alpha dropped with no compositing; 16-bit keeps the high byte
// png_set_strip_16 keeps the high byte of each 16-bit sample, which is what Pillow's unpackers do.
//
// Errors: libpng calls on_png_error, which longjmps back to the setjmp in the calling function.
// All state that must survive the jump lives in the heap-allocated png_reader.
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs_internal.h"
#include "pillow_convert.h"

/// How one decoded libpng row becomes RGB.
typedef enum {
    ROW_RGB8,          // already RGB: libpng writes straight into the output
    ROW_GRAY_LOW_BITS, // gray 1/2/4, unpacked to a byte per sample
    ROW_GRAY8,
    ROW_GRAY16,
    ROW_GRAY_ALPHA8,
    ROW_RGBA8,
    ROW_PALETTE,
} png_row_kind;

typedef struct {
    sigtune_image_reader base;  // must be first (see codecs_internal.h)
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t position;
    int ran_out_of_data;        // set by read_from_memory just before it raises the error
    char library_message[192];
    png_row_kind row_kind;
    int bit_depth;
    uint8_t palette_rgb[256 * 3];
    uint8_t *raw_rows;          // decoded rows in libpng's layout (1 row, or all if interlaced)
    png_bytep *row_pointers;    // only for interlaced images
} png_reader;

static void on_png_error(png_structp png, png_const_charp message) {
    png_reader *reader = png_get_error_ptr(png);
    snprintf(reader->library_message, sizeof reader->library_message, "%s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    // Warnings (bad iCCP, unknown sRGB profile, extra IDAT data...) do not stop Pillow either.
    (void)png;
    (void)message;
}

static void read_from_memory(png_structp png, png_bytep out, size_t length) {
    png_reader *reader = png_get_io_ptr(png);
    if (length > reader->size - reader->position) {
        reader->ran_out_of_data = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(out, reader->data + reader->position, length);
    reader->position += length;
}

static int32_t report_library_error(png_reader *reader, sigtune_codec_error *error) {
    int32_t status = SIGTUNE_CODEC_CORRUPT;
    if (reader->ran_out_of_data) {
        status = SIGTUNE_CODEC_TRUNCATED;
    } else if (strstr(reader->library_message, "memory") != NULL) {
        status = SIGTUNE_CODEC_OUT_OF_MEMORY;
    }
    sigtune_set_error(error, status, "PNG: %s", reader->library_message);
    return status;
}

static void png_close(sigtune_image_reader *base) {
    png_reader *reader = (png_reader *)base;
    if (reader->png) png_destroy_read_struct(&reader->png, &reader->info, NULL);
    free(reader->raw_rows);
    free(reader->row_pointers);
    free(reader);
}

/// Chooses the libpng transformations and the row converter for this colour type.
static void configure_transformations(png_reader *reader) {
    png_structp png = reader->png;
    const int color_type = png_get_color_type(png, reader->info);
    const int bit_depth = png_get_bit_depth(png, reader->info);
    reader->bit_depth = bit_depth;

    if (bit_depth < 8) png_set_packing(png);  // one sample per byte, values not rescaled
    if (bit_depth == 16 && color_type != PNG_COLOR_TYPE_GRAY) png_set_strip_16(png);

    switch (color_type) {
        case PNG_COLOR_TYPE_GRAY:
            reader->row_kind = bit_depth < 8 ? ROW_GRAY_LOW_BITS
                             : bit_depth == 8 ? ROW_GRAY8 : ROW_GRAY16;
            break;
        case PNG_COLOR_TYPE_RGB:
            reader->row_kind = ROW_RGB8;
            break;
        case PNG_COLOR_TYPE_GRAY_ALPHA:
            reader->row_kind = ROW_GRAY_ALPHA8;
            break;
        case PNG_COLOR_TYPE_RGB_ALPHA:
            reader->row_kind = ROW_RGBA8;
            break;
        case PNG_COLOR_TYPE_PALETTE: {
            reader->row_kind = ROW_PALETTE;
            // Out-of-range indices are looked up, not rejected, as in Pillow (p2rgb has no
            // bounds check; unset entries are black), so libpng must not complain about them.
            png_set_check_for_invalid_index(png, 0);
            png_colorp entries = NULL;
            int count = 0;
            memset(reader->palette_rgb, 0, sizeof reader->palette_rgb);
            if (png_get_PLTE(png, reader->info, &entries, &count) & PNG_INFO_PLTE) {
                for (int i = 0; i < count && i < 256; i++) {
                    reader->palette_rgb[3 * i + 0] = entries[i].red;
                    reader->palette_rgb[3 * i + 1] = entries[i].green;
                    reader->palette_rgb[3 * i + 2] = entries[i].blue;
                }
            }
            break;
        }
        default:
            png_error(png, "unknown colour type");
    }
}

static void convert_row(const png_reader *reader, const uint8_t *in, uint8_t *out, size_t width) {
    switch (reader->row_kind) {
        case ROW_RGB8: break;  // decoded in place
        case ROW_GRAY_LOW_BITS: sigtune_gray_low_bits_to_rgb(in, out, width, reader->bit_depth); break;
        case ROW_GRAY8: sigtune_gray8_to_rgb(in, out, width); break;
        case ROW_GRAY16: sigtune_gray16be_to_rgb(in, out, width); break;
        case ROW_GRAY_ALPHA8: sigtune_gray_alpha8_to_rgb(in, out, width); break;
        case ROW_RGBA8: sigtune_rgba8_to_rgb(in, out, width); break;
        case ROW_PALETTE: sigtune_palette_to_rgb(in, out, width, reader->palette_rgb); break;
    }
}

static int32_t png_read_rgb(sigtune_image_reader *base, uint8_t *rgb, sigtune_codec_error *error) {
    png_reader *reader = (png_reader *)base;
    png_structp png = reader->png;
    if (setjmp(png_jmpbuf(png))) {
        return report_library_error(reader, error);
    }
    const size_t width = png_get_image_width(png, reader->info);
    const size_t height = png_get_image_height(png, reader->info);
    const int interlaced = png_get_interlace_type(png, reader->info) != PNG_INTERLACE_NONE;

    configure_transformations(reader);
    if (interlaced) png_set_interlace_handling(png);
    png_read_update_info(png, reader->info);
    const size_t row_bytes = png_get_rowbytes(png, reader->info);
    const int in_place = reader->row_kind == ROW_RGB8;
    if (in_place && row_bytes != width * 3) png_error(png, "unexpected row size for RGB");

    if (!in_place) {
        // Adam7 fills each row over seven passes, so interlaced images need every row at once.
        const size_t rows = interlaced ? height : 1;
        reader->raw_rows = malloc(row_bytes * rows);
        if (!reader->raw_rows) png_error(png, "out of memory for decoded rows");
    }

    if (interlaced) {
        reader->row_pointers = malloc(height * sizeof(png_bytep));
        if (!reader->row_pointers) png_error(png, "out of memory for row pointers");
        for (size_t y = 0; y < height; y++) {
            reader->row_pointers[y] = in_place ? rgb + y * width * 3 : reader->raw_rows + y * row_bytes;
        }
        png_read_image(png, reader->row_pointers);
        if (!in_place) {
            for (size_t y = 0; y < height; y++) {
                convert_row(reader, reader->row_pointers[y], rgb + y * width * 3, width);
            }
        }
    } else {
        for (size_t y = 0; y < height; y++) {
            uint8_t *out = rgb + y * width * 3;
            uint8_t *decoded = in_place ? out : reader->raw_rows;
            png_read_row(png, decoded, NULL);
            if (!in_place) convert_row(reader, decoded, out, width);
        }
    }
    // No png_read_end: Pillow stops reading at the end of the image data too, so chunks after
    // IDAT (and a missing IEND) do not matter.
    sigtune_set_error(error, SIGTUNE_CODEC_OK, "ok");
    return SIGTUNE_CODEC_OK;
}

sigtune_image_reader *sigtune_png_open(
    const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
    sigtune_codec_error *error) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        // A file cut inside the 8-byte signature is truncated, anything else is not a PNG.
        const int cut_short = size < 8 && png_sig_cmp(data, 0, size) == 0;
        sigtune_set_error(error, cut_short ? SIGTUNE_CODEC_TRUNCATED : SIGTUNE_CODEC_CORRUPT,
                          "PNG: %s", cut_short ? "file ends inside the signature" : "missing PNG signature");
        return NULL;
    }
    png_reader *reader = calloc(1, sizeof *reader);
    if (!reader) {
        sigtune_set_error(error, SIGTUNE_CODEC_OUT_OF_MEMORY, "PNG: out of memory");
        return NULL;
    }
    reader->base.read_rgb = png_read_rgb;
    reader->base.close = png_close;
    reader->data = data;
    reader->size = size;
    reader->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, on_png_error, on_png_warning);
    if (reader->png) reader->info = png_create_info_struct(reader->png);
    if (!reader->png || !reader->info) {
        png_close(&reader->base);
        sigtune_set_error(error, SIGTUNE_CODEC_OUT_OF_MEMORY, "PNG: out of memory");
        return NULL;
    }
    if (setjmp(png_jmpbuf(reader->png))) {
        report_library_error(reader, error);
        png_close(&reader->base);
        return NULL;
    }
    png_set_read_fn(reader->png, reader, read_from_memory);
    // Pillow limits the pixel count (checked by the caller), not the side lengths.
    png_set_user_limits(reader->png, 0x7fffffff, 0x7fffffff);
    // Pillow verifies the CRC of every chunk it reads before the image data, ancillary ones too.
    png_set_crc_action(reader->png, PNG_CRC_DEFAULT, PNG_CRC_ERROR_QUIT);
    png_read_info(reader->png, reader->info);
    *width = png_get_image_width(reader->png, reader->info);
    *height = png_get_image_height(reader->png, reader->info);
    sigtune_set_error(error, SIGTUNE_CODEC_OK, "ok");
    return &reader->base;
}
