// jpeg_reader.c: JPEG from memory -> RGB with libjpeg(-turbo), matching Pillow's
// JpegImagePlugin.py + JpegDecode.c + convert("RGB").
//
// Pillow picks the mode from the component count alone (JpegImagePlugin.py SOF): 1 -> "L",
// 3 -> "RGB", 4 -> "CMYK" read with rawmode "CMYK;I"; and JpegDecode.c asks libjpeg for
// out_color_space GRAYSCALE, RGB or CMYK accordingly, leaving jpeg_color_space as libjpeg
// guessed it (YCbCr/RGB/CMYK/YCCK from the JFIF/Adobe markers). Everything else stays at the
// libjpeg defaults: JDCT_ISLOW, fancy upsampling, no scaling. EXIF orientation is not applied.
//
// Truncation: Pillow feeds libjpeg with a suspending source and raises "image file is
// truncated" when the data ends before the last scanline; once every scanline is out, a missing
// EOI is fine (JpegDecode.c ignores jpeg_finish_decompress suspending). read_more_data copies
// that: an error while decoding, a synthetic EOI while finishing. Warnings ("Corrupt JPEG data:
// ...") are ignored, as Pillow's output_message hook does.
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "codecs_internal.h"
#include "pillow_convert.h"

typedef struct {
    struct jpeg_error_mgr manager;  // must be first: libjpeg hands back a pointer to it
    jmp_buf jump;
} jpeg_error_trap;

typedef struct {
    sigtune_image_reader base;  // must be first (see codecs_internal.h)
    struct jpeg_decompress_struct cinfo;
    jpeg_error_trap trap;
    struct jpeg_source_mgr source;
    int created;           // jpeg_create_decompress succeeded, so jpeg_destroy_decompress is due
    int finishing;         // all scanlines read: running out of data is no longer an error
    int ran_out_of_data;   // set by read_more_data just before it raises the error
    uint8_t *row;          // one scanline for gray and CMYK output
} jpeg_reader;

static void on_jpeg_error(j_common_ptr cinfo) {
    jpeg_error_trap *trap = (jpeg_error_trap *)cinfo->err;
    longjmp(trap->jump, 1);
}

static void ignore_message(j_common_ptr cinfo) { (void)cinfo; }

static void start_source(j_decompress_ptr cinfo) { (void)cinfo; }
static void end_source(j_decompress_ptr cinfo) { (void)cinfo; }

/// libjpeg asks for more bytes only when the whole buffer has been consumed.
static boolean read_more_data(j_decompress_ptr cinfo) {
    jpeg_reader *reader = cinfo->client_data;
    if (reader->finishing) {
        static const JOCTET end_of_image[2] = {0xFF, JPEG_EOI};
        cinfo->src->next_input_byte = end_of_image;
        cinfo->src->bytes_in_buffer = sizeof end_of_image;
        return TRUE;
    }
    reader->ran_out_of_data = 1;
    ERREXIT(cinfo, JERR_INPUT_EOF);
    return FALSE;  // not reached
}

static void skip_data(j_decompress_ptr cinfo, long count) {
    struct jpeg_source_mgr *source = cinfo->src;
    while (count > 0 && (size_t)count > source->bytes_in_buffer) {
        count -= (long)source->bytes_in_buffer;
        source->bytes_in_buffer = 0;
        read_more_data(cinfo);
    }
    if (count > 0) {
        source->next_input_byte += count;
        source->bytes_in_buffer -= (size_t)count;
    }
}

static int32_t report_library_error(jpeg_reader *reader, sigtune_codec_error *error) {
    char message[JMSG_LENGTH_MAX];
    reader->cinfo.err->format_message((j_common_ptr)&reader->cinfo, message);
    int32_t status = SIGTUNE_CODEC_CORRUPT;
    if (reader->ran_out_of_data) {
        status = SIGTUNE_CODEC_TRUNCATED;
    } else {
        switch (reader->cinfo.err->msg_code) {
            case JERR_OUT_OF_MEMORY:
                status = SIGTUNE_CODEC_OUT_OF_MEMORY;
                break;
            case JERR_BAD_PRECISION:      // 12/16-bit samples: Pillow refuses them as well
            case JERR_SOF_UNSUPPORTED:
            case JERR_ARITH_NOTIMPL:
            case JERR_NOT_COMPILED:
            case JERR_CONVERSION_NOTIMPL:
                status = SIGTUNE_CODEC_UNSUPPORTED;
                break;
            default:
                break;
        }
    }
    sigtune_set_error(error, status, "JPEG: %s", message);
    return status;
}

static void jpeg_close(sigtune_image_reader *base) {
    jpeg_reader *reader = (jpeg_reader *)base;
    if (reader->created) jpeg_destroy_decompress(&reader->cinfo);
    free(reader->row);
    free(reader);
}

static int32_t jpeg_read_rgb(sigtune_image_reader *base, uint8_t *rgb, sigtune_codec_error *error) {
    jpeg_reader *reader = (jpeg_reader *)base;
    j_decompress_ptr cinfo = &reader->cinfo;
    if (setjmp(reader->trap.jump)) {
        return report_library_error(reader, error);
    }
    jpeg_start_decompress(cinfo);
    const size_t width = cinfo->output_width;
    const int components = cinfo->output_components;
    if (components != 3) {
        reader->row = malloc(width * (size_t)components);
        if (!reader->row) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *out = rgb + (size_t)cinfo->output_scanline * width * 3;
        JSAMPROW decoded = components == 3 ? out : reader->row;
        if (jpeg_read_scanlines(cinfo, &decoded, 1) != 1) ERREXIT(cinfo, JERR_INPUT_EOF);
        if (components == 1) {
            sigtune_gray8_to_rgb(decoded, out, width);
        } else if (components == 4) {
            sigtune_inverted_cmyk_to_rgb(decoded, out, width);
        }
    }
    reader->finishing = 1;
    jpeg_finish_decompress(cinfo);
    sigtune_set_error(error, SIGTUNE_CODEC_OK, "ok");
    return SIGTUNE_CODEC_OK;
}

sigtune_image_reader *sigtune_jpeg_open(
    const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
    sigtune_codec_error *error) {
    // Pillow's JpegImagePlugin._accept: FF D8 FF.
    static const uint8_t start_of_image[3] = {0xFF, 0xD8, 0xFF};
    if (size < 3 || memcmp(data, start_of_image, 3) != 0) {
        // A file cut inside these 3 bytes is truncated, anything else is not a JPEG.
        const int cut_short = size < 3 && memcmp(data, start_of_image, size) == 0;
        sigtune_set_error(error, cut_short ? SIGTUNE_CODEC_TRUNCATED : SIGTUNE_CODEC_CORRUPT,
                          "JPEG: %s", cut_short ? "file ends inside the start-of-image marker"
                                                : "missing start-of-image marker");
        return NULL;
    }
    jpeg_reader *reader = calloc(1, sizeof *reader);
    if (!reader) {
        sigtune_set_error(error, SIGTUNE_CODEC_OUT_OF_MEMORY, "JPEG: out of memory");
        return NULL;
    }
    reader->base.read_rgb = jpeg_read_rgb;
    reader->base.close = jpeg_close;
    j_decompress_ptr cinfo = &reader->cinfo;
    cinfo->err = jpeg_std_error(&reader->trap.manager);
    reader->trap.manager.error_exit = on_jpeg_error;
    reader->trap.manager.output_message = ignore_message;
    if (setjmp(reader->trap.jump)) {
        report_library_error(reader, error);
        jpeg_close(&reader->base);
        return NULL;
    }
    jpeg_create_decompress(cinfo);
    reader->created = 1;
    cinfo->client_data = reader;

    reader->source.next_input_byte = data;
    reader->source.bytes_in_buffer = size;
    reader->source.init_source = start_source;
    reader->source.fill_input_buffer = read_more_data;
    reader->source.skip_input_data = skip_data;
    reader->source.resync_to_restart = jpeg_resync_to_restart;
    reader->source.term_source = end_source;
    cinfo->src = &reader->source;

    jpeg_read_header(cinfo, TRUE);
    switch (cinfo->num_components) {
        case 1: cinfo->out_color_space = JCS_GRAYSCALE; break;
        case 3: cinfo->out_color_space = JCS_RGB; break;
        case 4: cinfo->out_color_space = JCS_CMYK; break;
        default:
            // Pillow: "cannot handle N-layer images".
            sigtune_set_error(error, SIGTUNE_CODEC_UNSUPPORTED,
                              "JPEG: %d colour components (supported: 1, 3 or 4)",
                              cinfo->num_components);
            jpeg_close(&reader->base);
            return NULL;
    }
    cinfo->dct_method = JDCT_ISLOW;       // libjpeg's default, stated because bits depend on it
    cinfo->do_fancy_upsampling = TRUE;    // likewise
    *width = cinfo->image_width;
    *height = cinfo->image_height;
    sigtune_set_error(error, SIGTUNE_CODEC_OK, "ok");
    return &reader->base;
}
