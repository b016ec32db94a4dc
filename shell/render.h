/* shell/render.h: result formatting for the floe shell.
 *
 * Turns rows of already-rendered cell texts (one C string per value, NULL for
 * SQL NULL) into one of the output modes: box (the default: Unicode box with
 * column types under the names, numbers right-aligned, long values truncated
 * to a width, a "N rows" footer, middle rows elided past a limit), table
 * (ASCII box), csv, tsv, json, jsonl, markdown, line. It knows nothing about
 * databases: the caller reads values through floe.h and feeds strings, so
 * this module is testable on its own.
 *
 * Streaming modes (csv, tsv, json, jsonl, line) write each row as it comes;
 * the boxed modes (box, table, markdown) buffer rows (box keeps only the first
 * and last rows it will show) and write at shell_render_end. A renderer owns
 * copies of everything it is given. The shell is a floe.h client, so memory
 * here is plain libc malloc/free. Not thread-safe: one renderer, one thread.
 */
#ifndef FLOE_SHELL_RENDER_H
#define FLOE_SHELL_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "floe.h"

typedef enum shell_mode {
    SHELL_MODE_BOX = 0,
    SHELL_MODE_TABLE,
    SHELL_MODE_CSV,
    SHELL_MODE_TSV,
    SHELL_MODE_JSON,
    SHELL_MODE_JSONL,
    SHELL_MODE_MARKDOWN,
    SHELL_MODE_LINE
} shell_mode;

typedef struct shell_render_opts {
    shell_mode mode;
    int headers;       /* 1: print column names (and types in box mode) */
    int max_width;     /* display columns for box/table lines; <= 0: unlimited */
    uint64_t max_rows; /* box: rows shown before the middle is elided; 0: all */
} shell_render_opts;

typedef struct shell_render shell_render;

/* Mode by name ("box", "csv", ...). Returns 0 and sets *out, or -1 when the
 * name is unknown. */
int shell_mode_parse(const char *name, shell_mode *out);
/* Name of a mode; static string. */
const char *shell_mode_name(shell_mode mode);

/* SQL name of a column type into buf (cap bytes): "BIGINT", "DECIMAL(18,2)".
 * Returns buf. */
const char *shell_type_name(floe_type_id type, int precision, int scale, char *buf, size_t cap);
/* 1 when values of the type are numbers (right-aligned, bare in JSON). */
int shell_type_is_numeric(floe_type_id type);

/* Display width of UTF-8 text: its number of code points. */
size_t shell_text_width(const char *s);

/* Start rendering `ncols` columns to `out`. names[c] and type_names[c] are
 * copied; types[c] decides alignment and JSON quoting. type_names may be
 * NULL (no type row). Returns NULL when out of memory. */
shell_render *shell_render_new(FILE *out, const shell_render_opts *opts, uint32_t ncols,
                               const char *const *names, const floe_type_id *types,
                               const char *const *type_names);
/* Add one row: cells[c] is the text of column c, NULL for SQL NULL; copied.
 * Returns 0, or -1 when out of memory (the renderer stays usable). */
int shell_render_row(shell_render *r, const char *const *cells);
/* Write what is buffered and the footer, then free r. Returns 0, or -1 when
 * writing to `out` failed. */
int shell_render_end(shell_render *r);
/* Free r without writing anything more. NULL is a no-op. */
void shell_render_free(shell_render *r);

#endif /* FLOE_SHELL_RENDER_H */
