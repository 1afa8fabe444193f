/* The part of ReadStat's C API (https://github.com/WizardMac/ReadStat, MIT licence; Debian's
 * libreadstat1) that lcstat's foreign-file reader calls. ReadStat is loaded at run time
 * (dlopen of libreadstat.so.1), so building lcstat needs neither it nor its header: these
 * declarations copy the layout of readstat.h 1.1.x for the types passed by value and the
 * function types looked up by name. */
#ifndef LCSTAT_READSTAT_H
#define LCSTAT_READSTAT_H

#include <stdint.h>

typedef enum lc_rs_type_e {
    LC_RS_TYPE_STRING, LC_RS_TYPE_INT8, LC_RS_TYPE_INT16, LC_RS_TYPE_INT32,
    LC_RS_TYPE_FLOAT, LC_RS_TYPE_DOUBLE, LC_RS_TYPE_STRING_REF
} lc_rs_type_t;

typedef struct lc_rs_value_s {
    union {
        float float_value;
        double double_value;
        int8_t i8_value;
        int16_t i16_value;
        int32_t i32_value;
        const char *string_value;
    } v;
    lc_rs_type_t type;
    char tag;
    unsigned int is_system_missing:1;
    unsigned int is_tagged_missing:1;
} lc_rs_value_t;

typedef struct lc_rs_parser lc_rs_parser_t;
typedef struct lc_rs_metadata lc_rs_metadata_t;
typedef struct lc_rs_variable lc_rs_variable_t;

typedef int (*lc_rs_metadata_handler)(lc_rs_metadata_t *metadata, void *ctx);
typedef int (*lc_rs_variable_handler)(int index, lc_rs_variable_t *variable, const char *val_labels, void *ctx);
typedef int (*lc_rs_value_handler)(int obs_index, lc_rs_variable_t *variable, lc_rs_value_t value, void *ctx);
typedef int (*lc_rs_value_label_handler)(const char *val_labels, lc_rs_value_t value, const char *label, void *ctx);

typedef lc_rs_parser_t *(*lc_rs_parser_init_fn)(void);
typedef void (*lc_rs_parser_free_fn)(lc_rs_parser_t *);
typedef int (*lc_rs_set_handler_fn)(lc_rs_parser_t *, void *handler);
typedef int (*lc_rs_parse_fn)(lc_rs_parser_t *, const char *path, void *ctx);
typedef const char *(*lc_rs_error_message_fn)(int error);
typedef int (*lc_rs_metadata_int_fn)(lc_rs_metadata_t *);
typedef const char *(*lc_rs_variable_name_fn)(const lc_rs_variable_t *);
typedef int (*lc_rs_variable_index_fn)(const lc_rs_variable_t *);
typedef lc_rs_type_t (*lc_rs_variable_type_fn)(const lc_rs_variable_t *);
typedef lc_rs_type_t (*lc_rs_value_type_fn)(lc_rs_value_t);
typedef int (*lc_rs_value_flag_fn)(lc_rs_value_t);
typedef int (*lc_rs_value_defined_missing_fn)(lc_rs_value_t, lc_rs_variable_t *);
typedef double (*lc_rs_double_fn)(lc_rs_value_t);
typedef const char *(*lc_rs_string_fn)(lc_rs_value_t);

#endif
