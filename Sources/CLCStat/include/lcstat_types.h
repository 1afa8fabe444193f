/*
 * lcstat: learning climate, consensus and transfer statistics.
 *
 * Conventions of this API
 * - Every function that can fail returns an int32_t status: LC_STATUS_OK (0)
 *   or one of the LC_STATUS_* codes below, whose values never change.
 * - The last parameter of such a function is an optional lc_error pointer,
 *   allocated by the caller. On failure it receives the code and a message
 *   that names the column, row or value at fault. NULL means "no details".
 *   There is no hidden global error state.
 * - Out-parameters come last before the error and are named out. On failure
 *   *out is set to NULL (or left untouched for scalars); nothing is half-made.
 * - Ownership: inputs (strings, arrays) are borrowed for the call only and
 *   copied when kept. Results are opaque handles (lc_dataset *, lc_spec *,
 *   lc_table *, lc_fit *) that the caller owns and releases with the matching
 *   lc_*_free, which accepts NULL and ignores a handle it has already freed. Pointers returned by getters
 *   (names, columns, notes) belong to their parent handle and stay valid
 *   until it is freed; never free them.
 * - A handle may be read from several threads at once; building one
 *   (lc_dataset_add_*, lc_spec_set_*) must not overlap with other use of it.
 * - Strings are UTF-8 and NUL-terminated. Missing numbers are NaN.
 */
#ifndef LCSTAT_TYPES_H
#define LCSTAT_TYPES_H

#include <stdint.h>

/* @LCSTAT_VERSION@ (scripts/gen-header.py writes the version macros here, from Sources/LCCore/Version.swift) */

/* Status codes. */
#define LC_STATUS_OK 0
#define LC_STATUS_INVALID_ARGUMENT 1
#define LC_STATUS_IO 2
#define LC_STATUS_PARSE 3
#define LC_STATUS_NON_NUMERIC 4
#define LC_STATUS_OUT_OF_SCALE 5
#define LC_STATUS_UNKNOWN_COLUMN 6
#define LC_STATUS_NON_FINITE 7
#define LC_STATUS_LIMIT 8
#define LC_STATUS_BAD_HANDLE 9
#define LC_STATUS_CANCELLED 10
#define LC_STATUS_INTERNAL 99

/* Column types of a result table (lc_table_column_type). */
#define LC_TYPE_DOUBLE 1
#define LC_TYPE_INT64 2
#define LC_TYPE_TEXT 3
#define LC_TYPE_BOOL 4

/* Opaque handles. Each kind is its own type, so passing one where another is
 * expected does not compile; a freed handle stays invalid (LC_STATUS_BAD_HANDLE)
 * for good, as a handle value is never given out twice. */
typedef struct lc_dataset { uint8_t opaque_; } lc_dataset;   /* columns read or added (lc_dataset_*) */
typedef struct lc_spec { uint8_t opaque_; } lc_spec;         /* what an analysis is asked (lc_spec_*) */
typedef struct lc_table { uint8_t opaque_; } lc_table;       /* a result table (lc_table_*) */
typedef struct lc_fit { uint8_t opaque_; } lc_fit;           /* a fitted mixed model (lc_fit_*) */

/* A progress callback (lc_progress_set): called with the context given and the fraction
 * done (0 to 1, or -1 when unknown); return nonzero to stop the call (LC_STATUS_CANCELLED). */
typedef int32_t (*lc_progress_fn)(void *context, double done);

#define LC_ERROR_MESSAGE_SIZE 512

/* Details of a failure, filled by the library when the caller passes one. */
typedef struct lc_error {
    int32_t code;
    char message[LC_ERROR_MESSAGE_SIZE];
} lc_error;

/* How to read a CSV file. Call lc_csv_options_init first: it sets
 * struct_size and the defaults, so the struct can grow in later versions. */
typedef struct lc_csv_options {
    uint32_t struct_size;          /* sizeof(lc_csv_options) */
    char delimiter;                /* ',', ';', '\t'; 0 = detect (default) */
    char decimal;                  /* '.', ','; 0 = ',' when delimiter is ';' (default) */
    const char *const *na_values;  /* missing-value codes besides "" and "NA" (may be NULL) */
    int64_t n_na_values;
    const char *const *columns;    /* keep only these columns; NULL = all (default) */
    int64_t n_columns;
} lc_csv_options;

/* Denominator degrees of freedom of a transfer model's t and F tests. */
#define LC_DDF_SATTERTHWAITE 0
#define LC_DDF_KENWARD_ROGER 1

/* How to fit a transfer model (lc_transfer_fit). Call lc_transfer_options_init
 * first: it sets struct_size and the defaults (REML, no variance function, no
 * weights, R's default contrasts, Satterthwaite df, no correlation structure). */
typedef struct lc_transfer_options {
    uint32_t struct_size;               /* sizeof(lc_transfer_options) */
    int32_t reml;                       /* 1 = REML (default), 0 = maximum likelihood */
    const char *variance;               /* "exp(COLUMN)" or "ident(COLUMN)"; NULL = none */
    const char *weights;                /* column of prior weights (lme4's weights =); NULL = none */
    const char *const *contrast_names;  /* fixed-effect factors (as in the formula) whose contrasts are set */
    const char *const *contrast_kinds;  /* "treatment", "sum", "helmert" or "poly", one per name */
    int64_t n_contrasts;
    int32_t ddf;                        /* LC_DDF_SATTERTHWAITE (default) or LC_DDF_KENWARD_ROGER */
    const char *correlation;            /* residual correlation within groups: "ar1(OCCASION | GROUP)",
                                           "car1(TIME | GROUP)" or "cs(| GROUP)"; NULL = none
                                           (added in 0.2.0: a struct_size without it reads as NULL) */
    const char *scale;                  /* location-scale model: a formula for log sigma, "~ session * diversity";
                                           NULL = none (added in 0.2.0, as correlation) */
    int32_t nagq;                       /* adaptive Gauss-Hermite nodes per level (1 = Laplace, up to 25) for a random
                                           scale effect, (1 | GROUP) in scale, or a family model with one scalar
                                           random effect (glmer's nAGQ); 0 (default) = the model's default: 11 for
                                           a random scale effect (within 1e-6 of 40 nodes in logLik on the
                                           reference), 1 for a family model (added in 0.3.0) */
    const char *family;                 /* generalized linear mixed model (glmer): "binomial" (0/1, a two-level
                                           factor, or cbind(successes, failures) ~ ...), "poisson" or
                                           "nbinom2" (negative binomial, as glmmTMB's; added in 0.4.1);
                                           NULL = a linear mixed model (added in 0.4.0, as link) */
    const char *link;                   /* link of family: "logit" (default), "probit" or "cloglog" for
                                           binomial, "log" for poisson and nbinom2; NULL = the family's default */
} lc_transfer_options;

/* The Arrow C data and stream interfaces (https://arrow.apache.org/docs/format/CDataInterface.html,
 * CStreamInterface.html), as the specification asks them to be declared: guarded, so that a
 * program that includes Arrow's own abi.h as well sees one definition. lc_dataset_from_arrow
 * reads an ArrowArrayStream (pyarrow, polars, DuckDB, nanoarrow export one). */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};
struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};
#endif

#endif
