/* _lcstat: the private CPython accelerator of the lcstat package, a thin layer
 * over the C ABI (include/lcstat.h). The Python package lcstat holds the API;
 * this module only moves buffers in and tables out.
 *
 * run(analysis, data, spec) -> (columns, notes)
 *   analysis: "agreement", "icc", "alpha", "scores", "level_consensus", "rgr",
 *             "aggregation", "consensus_over_time", "composition", "emergence", "bootstrap"
 *             or "null_distribution" (which takes data None: it reads the spec alone)
 *   data:     list of (name, values) with values a C-contiguous float64 buffer
 *             or int64 buffer (exact integers), or (name, (int64 values, missing
 *             mask of one byte a row)), or (name, (codes, levels[, ordered])) with
 *             codes a C-contiguous int64 buffer (-1 = missing) and levels a list of str;
 *             or (path, csv) to let the library read a CSV file itself, csv a
 *             dict with optional delimiter, decimal (str of one character),
 *             na_values and columns (lists of str)
 *   spec:     dict with optional keys group, items, reverse, ids (lists of str),
 *             scale ((low, high)), null, missing, icc_k (str), and options
 *             (dict of str to str, each passed to lc_spec_set)
 *   returns:  a table capsule (freed with the capsule), read with
 *             table_layout (rows, column names, kinds "f"/"i"/"b"/"s" and extra flags, notes),
 *             table_fill (a float64, int64 or bool column copied into a caller's
 *             buffer, once) and table_texts (a text column as a list of str)
 * Errors raise LcstatError (a ValueError) with .code set to the status.
 * The GIL is released while the library copies columns and computes. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <lcstat.h>

typedef struct { PyObject *error_type; } module_state;

static module_state *state_of(PyObject *module) { return (module_state *)PyModule_GetState(module); }

static PyObject *raise_status(PyObject *module, int32_t status, const lc_error *err) {
    PyObject *exc = PyObject_CallFunction(state_of(module)->error_type, "s", err->message[0] ? err->message : lc_status_string(status));
    if (exc == NULL) return NULL;
    PyObject *code = PyLong_FromLong(status);
    if (code != NULL) { PyObject_SetAttrString(exc, "code", code); Py_DECREF(code); }
    PyErr_SetObject(state_of(module)->error_type, exc);
    Py_DECREF(exc);
    return NULL;
}

/* A list of str as a NULL-free array of borrowed UTF-8 pointers; *out freed with PyMem_Free. */
static int string_array(PyObject *list, const char ***out, Py_ssize_t *n) {
    *out = NULL; *n = 0;
    if (list == NULL || list == Py_None) return 0;
    if (!PyList_Check(list)) { PyErr_SetString(PyExc_TypeError, "expected a list of str"); return -1; }
    *n = PyList_GET_SIZE(list);
    *out = PyMem_Calloc((size_t)(*n > 0 ? *n : 1), sizeof(char *));
    if (*out == NULL) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < *n; i++) {
        PyObject *s = PyList_GET_ITEM(list, i);
        if (!PyUnicode_Check(s)) { PyErr_SetString(PyExc_TypeError, "expected a list of str"); return -1; }
        (*out)[i] = PyUnicode_AsUTF8(s);
        if ((*out)[i] == NULL) return -1;
    }
    return 0;
}

typedef int32_t (*set_list_fn)(lc_spec *, const char *const *, int64_t, lc_error *);

static int set_list(PyObject *spec, const char *key, lc_spec *handle, set_list_fn fn, lc_error *err, int32_t *status) {
    const char **arr = NULL; Py_ssize_t n = 0;
    PyObject *v = PyDict_GetItemString(spec, key);
    if (v == NULL) return 0;
    if (string_array(v, &arr, &n) < 0) { PyMem_Free(arr); return -1; }
    *status = fn(handle, arr, (int64_t)n, err);
    PyMem_Free(arr);
    return 0;
}

typedef int32_t (*set_text_fn)(lc_spec *, const char *, lc_error *);

static int set_text(PyObject *spec, const char *key, lc_spec *handle, set_text_fn fn, lc_error *err, int32_t *status) {
    PyObject *v = PyDict_GetItemString(spec, key);
    if (v == NULL || v == Py_None) return 0;
    const char *s = PyUnicode_AsUTF8(v);
    if (s == NULL) return -1;
    *status = fn(handle, s, err);
    return 0;
}

static int build_spec(PyObject *spec, lc_spec *handle, lc_error *err, int32_t *status) {
    if (set_list(spec, "group", handle, lc_spec_set_group, err, status) < 0 || *status) return -1;
    if (set_list(spec, "items", handle, lc_spec_set_items, err, status) < 0 || *status) return -1;
    if (set_list(spec, "reverse", handle, lc_spec_set_reverse, err, status) < 0 || *status) return -1;
    if (set_list(spec, "ids", handle, lc_spec_set_ids, err, status) < 0 || *status) return -1;
    if (set_text(spec, "null", handle, lc_spec_set_null, err, status) < 0 || *status) return -1;
    if (set_text(spec, "missing", handle, lc_spec_set_missing, err, status) < 0 || *status) return -1;
    if (set_text(spec, "icc_k", handle, lc_spec_set_icc_k, err, status) < 0 || *status) return -1;
    PyObject *scale = PyDict_GetItemString(spec, "scale");
    if (scale != NULL && scale != Py_None) {
        double lo, hi;
        if (!PyArg_ParseTuple(scale, "dd", &lo, &hi)) return -1;
        *status = lc_spec_set_scale(handle, lo, hi, err);
        if (*status) return -1;
    }
    /* named options: {key: text} through lc_spec_set */
    PyObject *options = PyDict_GetItemString(spec, "options");
    if (options != NULL && options != Py_None) {
        if (!PyDict_Check(options)) { PyErr_SetString(PyExc_TypeError, "spec options must be a dict"); return -1; }
        PyObject *key, *value; Py_ssize_t pos = 0;
        while (PyDict_Next(options, &pos, &key, &value)) {
            const char *k = PyUnicode_AsUTF8(key), *v = k ? PyUnicode_AsUTF8(value) : NULL;
            if (k == NULL || v == NULL) return -1;
            *status = lc_spec_set(handle, k, v, err);
            if (*status) return -1;
        }
    }
    return 0;
}

typedef int32_t (*analysis_fn)(const lc_dataset *, const lc_spec *, lc_table **, lc_error *);

/* lc_null_distribution reads the spec alone; run() calls it with data None. */
static int32_t null_distribution(const lc_dataset *data, const lc_spec *spec, lc_table **out, lc_error *err) {
    (void)data;
    return lc_null_distribution(spec, out, err);
}

/* The analyses run() can call, by name. */
static const struct { const char *name; analysis_fn fn; } analyses[] = {
    {"agreement", lc_agreement}, {"icc", lc_icc}, {"alpha", lc_alpha}, {"scores", lc_scores},
    {"level_consensus", lc_level_consensus}, {"rgr", lc_rgr}, {"aggregation", lc_aggregation},
    {"consensus_over_time", lc_consensus_over_time}, {"composition", lc_composition}, {"emergence", lc_emergence},
    {"bootstrap", lc_bootstrap}, {"null_distribution", null_distribution},
};

static analysis_fn find_analysis(const char *name) {
    for (size_t i = 0; i < sizeof analyses / sizeof analyses[0]; i++)
        if (strcmp(analyses[i].name, name) == 0) return analyses[i].fn;
    return NULL;
}

/* Checks a buffer: format, one dimension, contiguity. */
static int get_buffer(PyObject *obj, Py_buffer *view, const char *format, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->ndim != 1 || view->format == NULL || strcmp(view->format, format) != 0 ||
        view->itemsize != (format[0] == 'd' ? (Py_ssize_t)sizeof(double) : (Py_ssize_t)sizeof(int64_t))) {
        PyErr_Format(PyExc_TypeError, "column '%s' must be a one-dimensional contiguous buffer of format '%s'", name, format);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The format letter of a one-dimensional contiguous buffer of 8-byte values, 0 when it is not one. */
static char format_letter(PyObject *obj) {
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) { PyErr_Clear(); return 0; }
    char letter = 0;
    if (view.ndim == 1 && view.itemsize == 8 && view.format != NULL) {
        const char *f = view.format;
        if (*f == '@' || *f == '=' || *f == '<') f++;
        if (f[0] != 0 && f[1] == 0) letter = f[0];
    }
    PyBuffer_Release(&view);
    return letter;
}

/* int64 values (format 'q' or 'l') and an optional missing mask (bool or uint8, one byte a row). */
static int add_int64(PyObject *module, lc_dataset *data, const char *name, PyObject *values, PyObject *mask, lc_error *err) {
    Py_buffer view, missing; int32_t st;
    if (get_buffer(values, &view, format_letter(values) == 'l' ? "l" : "q", name) < 0) return -1;
    int has_mask = mask != NULL && mask != Py_None;
    if (has_mask) {
        if (PyObject_GetBuffer(mask, &missing, PyBUF_C_CONTIGUOUS) < 0) { PyBuffer_Release(&view); return -1; }
        if (missing.len != view.len / 8) {
            PyBuffer_Release(&missing); PyBuffer_Release(&view);
            PyErr_Format(PyExc_ValueError, "column '%s': the missing mask has %zd bytes for %zd rows", name, missing.len, view.len / 8);
            return -1;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    st = lc_dataset_add_int64(data, name, (const int64_t *)view.buf, has_mask ? (const uint8_t *)missing.buf : NULL,
                              (int64_t)(view.len / 8), err);
    Py_END_ALLOW_THREADS
    if (has_mask) PyBuffer_Release(&missing);
    PyBuffer_Release(&view);
    if (st) { raise_status(module, st, err); return -1; }
    return 0;
}

/* One column: float64 values; int64 values (exact keys), alone or as (values, missing mask);
 * (codes, levels) text; (codes, levels, ordered) a categorical in its own level order. */
static int add_column(PyObject *module, lc_dataset *data, PyObject *item, lc_error *err) {
    const char *name; PyObject *values;
    if (!PyArg_ParseTuple(item, "sO", &name, &values)) return -1;
    Py_buffer view; int32_t st;
    if (PyTuple_Check(values) && PyTuple_GET_SIZE(values) == 2 && !PyList_Check(PyTuple_GET_ITEM(values, 1)))
        return add_int64(module, data, name, PyTuple_GET_ITEM(values, 0), PyTuple_GET_ITEM(values, 1), err);
    if (PyTuple_Check(values)) {
        PyObject *codes, *levels; int ordered = -1;
        if (!PyArg_ParseTuple(values, "OO|p", &codes, &levels, &ordered)) return -1;
        const char **lv = NULL; Py_ssize_t nl = 0;
        if (string_array(levels, &lv, &nl) < 0) { PyMem_Free(lv); return -1; }
        if (get_buffer(codes, &view, "q", name) < 0 && (PyErr_Clear(), get_buffer(codes, &view, "l", name) < 0)) { PyMem_Free(lv); return -1; }
        Py_BEGIN_ALLOW_THREADS
        if (ordered < 0)
            st = lc_dataset_add_labels(data, name, (const int64_t *)view.buf, (int64_t)(view.len / view.itemsize), lv, (int64_t)nl, err);
        else
            st = lc_dataset_add_categorical(data, name, (const int64_t *)view.buf, (int64_t)(view.len / view.itemsize), lv,
                                            (int64_t)nl, ordered, err);
        Py_END_ALLOW_THREADS
        PyMem_Free(lv);
    } else {
        char letter = format_letter(values);
        if (letter == 'q' || letter == 'l') return add_int64(module, data, name, values, NULL, err);
        if (get_buffer(values, &view, "d", name) < 0) return -1;
        Py_BEGIN_ALLOW_THREADS
        st = lc_dataset_add_numeric(data, name, (const double *)view.buf, (int64_t)(view.len / view.itemsize), err);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&view);
    if (st) { raise_status(module, st, err); return -1; }
    return 0;
}

/* A result table stays in the library until the Python side has copied each
 * wanted column once into its final array: a capsule that frees the handle. */
static void free_table_capsule(PyObject *capsule) {
    lc_table_free(PyCapsule_GetPointer(capsule, "lcstat.table"));
}

static PyObject *table_capsule(lc_table *table) {
    PyObject *capsule = PyCapsule_New(table, "lcstat.table", free_table_capsule);
    if (capsule == NULL) lc_table_free(table);
    return capsule;
}

static const char *kind_of(int32_t type) {
    return type == LC_TYPE_DOUBLE ? "f" : type == LC_TYPE_INT64 ? "i" : type == LC_TYPE_BOOL ? "b" : "s";
}

/* table_layout(table) -> (nrows, [(name, kind, extra)], notes); kind "f", "i", "b" or "s";
 * extra: whether the column is shown only when asked for. */
static PyObject *table_layout(PyObject *module, PyObject *capsule) {
    lc_table *table = PyCapsule_GetPointer(capsule, "lcstat.table");
    if (table == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    int64_t nrows = 0, ncols = 0, nnotes = 0;
    int32_t st = lc_table_nrows(table, &nrows, &err);
    if (!st) st = lc_table_ncols(table, &ncols, &err);
    if (!st) st = lc_table_nnotes(table, &nnotes, &err);
    if (st) return raise_status(module, st, &err);
    PyObject *cols = PyList_New((Py_ssize_t)ncols), *notes = PyList_New((Py_ssize_t)nnotes), *result = NULL;
    if (cols == NULL || notes == NULL) goto done;
    for (int64_t c = 0; c < ncols; c++) {
        const char *name = NULL; int32_t type = 0, extra = 0;
        if ((st = lc_table_column_name(table, c, &name, &err)) || (st = lc_table_column_type(table, c, &type, &err)) ||
            (st = lc_table_column_extra(table, c, &extra, &err))) {
            raise_status(module, st, &err); goto done;
        }
        PyObject *entry = Py_BuildValue("(ssN)", name, kind_of(type), PyBool_FromLong(extra));
        if (entry == NULL) goto done;
        PyList_SET_ITEM(cols, (Py_ssize_t)c, entry);
    }
    for (int64_t i = 0; i < nnotes; i++) {
        const char *s = NULL;
        if ((st = lc_table_note(table, i, &s, &err))) { raise_status(module, st, &err); goto done; }
        PyObject *u = PyUnicode_FromString(s);
        if (u == NULL) goto done;
        PyList_SET_ITEM(notes, (Py_ssize_t)i, u);
    }
    result = Py_BuildValue("(LOO)", (long long)nrows, cols, notes);
done:
    Py_XDECREF(cols);
    Py_XDECREF(notes);
    return result;
}

/* Whether a buffer holds 8-byte items of one of the struct format letters `letters` (native order). */
static int is_format(const Py_buffer *view, const char *letters) {
    const char *f = view->format;
    if (f == NULL || view->itemsize != (letters[0] == '?' ? 1 : 8)) return 0;
    if (*f == '@' || *f == '=' || *f == '<') f++;
    return f[0] != 0 && f[1] == 0 && strchr(letters, f[0]) != NULL;
}

/* The table of a capsule and its row count; NULL with an exception set on failure. */
static lc_table *table_rows(PyObject *module, PyObject *capsule, int64_t *nrows) {
    lc_table *table = PyCapsule_GetPointer(capsule, "lcstat.table");
    if (table == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    int32_t st = lc_table_nrows(table, nrows, &err);
    if (st) { raise_status(module, st, &err); return NULL; }
    return table;
}

/* `target` as a writable C-contiguous buffer of exactly nrows 8-byte items of a
 * struct format in `letters`; -1 with an exception set otherwise. */
static int column_buffer(PyObject *target, Py_buffer *view, const char *letters, int64_t nrows, Py_ssize_t c) {
    if (PyObject_GetBuffer(target, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (is_format(view, letters) && view->len == nrows * view->itemsize) return 0;
    PyBuffer_Release(view);
    PyErr_Format(PyExc_ValueError, "column %zd needs a writable buffer of %lld values of format '%c'",
                 c, (long long)nrows, letters[0]);
    return -1;
}

/* table_fill(table, column, out): copies a float64 or int64 column into `out`,
 * a writable C-contiguous buffer of exactly nrows values of that type. */
static PyObject *table_fill(PyObject *module, PyObject *args) {
    PyObject *capsule, *target; Py_ssize_t c;
    if (!PyArg_ParseTuple(args, "OnO", &capsule, &c, &target)) return NULL;
    int64_t nrows = 0;
    lc_table *table = table_rows(module, capsule, &nrows);
    if (table == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    int32_t type = 0;
    int32_t st = lc_table_column_type(table, (int64_t)c, &type, &err);
    if (st) return raise_status(module, st, &err);
    if (type == LC_TYPE_TEXT) return PyErr_Format(PyExc_TypeError, "column %zd is text", c);
    Py_buffer view;
    if (column_buffer(target, &view, type == LC_TYPE_DOUBLE ? "d" : type == LC_TYPE_BOOL ? "?" : "qlLQ", nrows, c) < 0) return NULL;
    const void *v = NULL;
    st = type == LC_TYPE_DOUBLE ? lc_table_column_doubles(table, (int64_t)c, (const double **)&v, &err)
       : type == LC_TYPE_BOOL ? lc_table_column_bools(table, (int64_t)c, (const uint8_t **)&v, &err)
                              : lc_table_column_int64s(table, (int64_t)c, (const int64_t **)&v, &err);
    if (!st && nrows > 0) memcpy(view.buf, v, (size_t)view.len);
    PyBuffer_Release(&view);
    if (st) return raise_status(module, st, &err);
    Py_RETURN_NONE;
}

/* table_texts(table, column) -> list of str */
static PyObject *table_texts(PyObject *module, PyObject *args) {
    PyObject *capsule; Py_ssize_t c;
    if (!PyArg_ParseTuple(args, "On", &capsule, &c)) return NULL;
    int64_t nrows = 0;
    lc_table *table = table_rows(module, capsule, &nrows);
    if (table == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    int32_t st;
    PyObject *data = PyList_New((Py_ssize_t)nrows), *previous = NULL;
    for (int64_t r = 0; data != NULL && r < nrows; r++) {
        const char *s = NULL;
        if ((st = lc_table_text(table, (int64_t)c, r, &s, &err))) { Py_CLEAR(data); return raise_status(module, st, &err); }
        /* runs of one text (notes, repeated labels) share one str object */
        PyObject *u;
        if (previous != NULL && strcmp(PyUnicode_AsUTF8(previous), s) == 0) { u = previous; Py_INCREF(u); }
        else if ((u = PyUnicode_FromString(s)) == NULL) { Py_CLEAR(data); return NULL; }
        PyList_SET_ITEM(data, (Py_ssize_t)r, u);
        previous = u;
    }
    return data;
}

/* One character of a csv options dict ('' or missing = 0, automatic). */
static int option_char(PyObject *csv, const char *key, char *out) {
    *out = 0;
    PyObject *v = PyDict_GetItemString(csv, key);
    if (v == NULL || v == Py_None) return 0;
    Py_ssize_t n = 0;
    const char *s = PyUnicode_AsUTF8AndSize(v, &n);
    if (s == NULL) return -1;
    if (n > 1) { PyErr_Format(PyExc_ValueError, "%s must be a single character", key); return -1; }
    *out = n == 1 ? s[0] : 0;
    return 0;
}

/* Reads a CSV file through the library into *data. */
static int read_file(PyObject *module, PyObject *source, lc_dataset **data, lc_error *err) {
    PyObject *path_obj, *csv;
    if (!PyArg_ParseTuple(source, "O&O!", PyUnicode_FSConverter, &path_obj, &PyDict_Type, &csv)) return -1;
    lc_csv_options opts;
    lc_csv_options_init(&opts);
    const char **na = NULL, **cols = NULL; Py_ssize_t nna = 0, ncols = 0;
    int rc = -1;
    if (option_char(csv, "delimiter", &opts.delimiter) < 0 || option_char(csv, "decimal", &opts.decimal) < 0) goto done;
    if (string_array(PyDict_GetItemString(csv, "na_values"), &na, &nna) < 0) goto done;
    if (string_array(PyDict_GetItemString(csv, "columns"), &cols, &ncols) < 0) goto done;
    opts.na_values = na; opts.n_na_values = nna;
    if (cols != NULL) { opts.columns = cols; opts.n_columns = ncols; }
    const char *path = PyBytes_AS_STRING(path_obj);
    int32_t st;
    Py_BEGIN_ALLOW_THREADS
    st = lc_dataset_read_csv(path, &opts, data, err);
    Py_END_ALLOW_THREADS
    if (st) { raise_status(module, st, err); goto done; }
    rc = 0;
done:
    PyMem_Free(na);
    PyMem_Free(cols);
    Py_DECREF(path_obj);
    return rc;
}

/* The dataset behind `source`: a (path, csv options) tuple read by the library, or a
 * list of columns copied in. On failure an exception is set and *data is NULL. */
static int build_dataset(PyObject *module, PyObject *source, lc_dataset **data, lc_error *err) {
    *data = NULL;
    if (PyTuple_Check(source)) return read_file(module, source, data, err);
    if (!PyList_Check(source)) {
        PyErr_SetString(PyExc_TypeError, "data must be a list of columns or a (path, csv options) tuple");
        return -1;
    }
    int32_t st = lc_dataset_create(data, err);
    if (st) { raise_status(module, st, err); return -1; }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(source); i++) {
        if (add_column(module, *data, PyList_GET_ITEM(source, i), err) < 0) {
            lc_dataset_free(*data);
            *data = NULL;
            return -1;
        }
    }
    return 0;
}

/* A long call runs with the GIL released and a progress callback registered for this
 * thread (lc_progress_set). About every 100 ms the library calls it on this thread: it
 * takes the GIL back, lets Python run its signal handlers (Ctrl-C raises
 * KeyboardInterrupt, which cancels the call: LC_STATUS_CANCELLED) and calls the
 * `progress(done)` callable if one was given (an exception there cancels too). */
typedef struct { PyThreadState *state; PyObject *progress; int raised; } monitored_call;

static int32_t on_progress(void *context, double done) {
    monitored_call *c = context;
    PyEval_RestoreThread(c->state);
    int stop = PyErr_CheckSignals() != 0;
    if (!stop && c->progress != NULL && c->progress != Py_None) {
        PyObject *r = PyObject_CallFunction(c->progress, "d", done);
        if (r == NULL) stop = 1; else Py_DECREF(r);
    }
    if (stop) c->raised = 1;
    c->state = PyEval_SaveThread();
    return stop;
}

#define MONITORED(call_, progress_, status_, call) do { \
        (call_).progress = (progress_); (call_).raised = 0; \
        (call_).state = PyEval_SaveThread(); \
        lc_progress_set(on_progress, &(call_)); \
        (status_) = (call); \
        lc_progress_set(NULL, NULL); \
        PyEval_RestoreThread((call_).state); \
    } while (0)

/* The status of a monitored call as a Python error: the exception the callback raised, else the library's. */
static int failed(PyObject *module, const monitored_call *c, int32_t st, const lc_error *err) {
    if (!st) return 0;
    if (!(c->raised && PyErr_Occurred())) raise_status(module, st, err);
    return 1;
}

/* memory_budget([bytes]) -> the budget in force; with bytes (0: the default), sets it first. */
static PyObject *memory_budget(PyObject *module, PyObject *args) {
    long long bytes = -1;
    if (!PyArg_ParseTuple(args, "|L", &bytes)) return NULL;
    if (bytes >= 0) lc_set_memory_budget((int64_t)bytes);
    return PyLong_FromLongLong((long long)lc_memory_budget());
}

static PyObject *run(PyObject *module, PyObject *args) {
    const char *analysis; PyObject *columns, *spec, *progress = NULL;
    if (!PyArg_ParseTuple(args, "sOO!|O", &analysis, &columns, &PyDict_Type, &spec, &progress)) return NULL;
    analysis_fn fn = find_analysis(analysis);
    if (fn == NULL) return PyErr_Format(PyExc_ValueError, "unknown analysis '%s'", analysis);
    lc_error err; err.message[0] = 0;
    lc_dataset *data = NULL;
    lc_spec *sp = NULL;
    lc_table *table = NULL;
    PyObject *result = NULL;
    int32_t st = lc_spec_create(&sp, &err);
    if (st) { raise_status(module, st, &err); goto done; }
    if (columns != Py_None && build_dataset(module, columns, &data, &err) < 0) goto done;
    if (build_spec(spec, sp, &err, &st) < 0) {
        if (st) raise_status(module, st, &err);
        goto done;
    }
    monitored_call call;
    MONITORED(call, progress, st, fn(data, sp, &table, &err));
    if (failed(module, &call, st, &err)) goto done;
    result = table_capsule(table);
done:
    lc_spec_free(sp);
    lc_dataset_free(data);
    return result;
}

/* The Python side of a fit: a capsule that frees the lcstat fit handle. */
static void free_fit_capsule(PyObject *capsule) {
    lc_fit_free(PyCapsule_GetPointer(capsule, "lcstat.fit"));
}

/* transfer(data, formula, reml, variance, weights, contrast_names, contrast_kinds, ddf) -> capsule;
 * data as for run(); variance and weights may be None, the contrast lists empty. */
static PyObject *transfer(PyObject *module, PyObject *args) {
    PyObject *columns, *names, *kinds, *progress = NULL; const char *formula; int reml, ddf;
    const char *variance = NULL, *weights = NULL;
    if (!PyArg_ParseTuple(args, "OspzzO!O!i|O", &columns, &formula, &reml, &variance, &weights, &PyList_Type, &names,
                          &PyList_Type, &kinds, &ddf, &progress)) return NULL;
    lc_error err; err.message[0] = 0;
    lc_dataset *data = NULL;
    lc_fit *fit = NULL;
    PyObject *result = NULL;
    const char **nv = NULL, **kv = NULL; Py_ssize_t nn = 0, nk = 0;
    int32_t st;
    if (string_array(names, &nv, &nn) < 0 || string_array(kinds, &kv, &nk) < 0) goto done;
    if (nn != nk) { PyErr_SetString(PyExc_ValueError, "contrast names and kinds differ in length"); goto done; }
    if (build_dataset(module, columns, &data, &err) < 0) goto done;
    lc_transfer_options options;
    lc_transfer_options_init(&options);
    options.reml = reml;
    options.variance = variance;
    options.weights = weights;
    options.contrast_names = nv;
    options.contrast_kinds = kv;
    options.n_contrasts = (int64_t)nn;
    options.ddf = ddf;
    monitored_call call;
    MONITORED(call, progress, st, lc_transfer_fit(data, formula, &options, &fit, &err));
    if (failed(module, &call, st, &err)) goto done;
    result = PyCapsule_New(fit, "lcstat.fit", free_fit_capsule);
    if (result == NULL) lc_fit_free(fit);
done:
    PyMem_Free(nv);
    PyMem_Free(kv);
    lc_dataset_free(data);
    return result;
}

/* fit_confint(capsule, method, level, nsim, seed[, progress]) -> table */
static PyObject *fit_confint(PyObject *module, PyObject *args) {
    PyObject *capsule, *progress = NULL; const char *method; double level; long long nsim; unsigned long long seed;
    if (!PyArg_ParseTuple(args, "OsdLK|O", &capsule, &method, &level, &nsim, &seed, &progress)) return NULL;
    lc_fit *fit = PyCapsule_GetPointer(capsule, "lcstat.fit");
    if (fit == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    lc_table *table = NULL;
    int32_t st;
    monitored_call call;
    MONITORED(call, progress, st, lc_fit_confint(fit, method, level, (int64_t)nsim, (uint64_t)seed, &table, &err));
    if (failed(module, &call, st, &err)) return NULL;
    return table_capsule(table);
}

/* fit_predict(capsule, newdata) -> table; newdata as for run(). */
static PyObject *fit_predict(PyObject *module, PyObject *args) {
    PyObject *capsule, *columns;
    if (!PyArg_ParseTuple(args, "OO", &capsule, &columns)) return NULL;
    lc_fit *fit = PyCapsule_GetPointer(capsule, "lcstat.fit");
    if (fit == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    lc_dataset *data = NULL;
    lc_table *table = NULL;
    PyObject *result = NULL;
    int32_t st;
    if (build_dataset(module, columns, &data, &err) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    st = lc_fit_predict(fit, data, &table, &err);
    Py_END_ALLOW_THREADS
    if (st) raise_status(module, st, &err);
    else result = table_capsule(table);
    lc_dataset_free(data);
    return result;
}

/* fit_table(capsule, which) -> (columns, notes) */
static PyObject *fit_table(PyObject *module, PyObject *args) {
    PyObject *capsule; const char *which;
    if (!PyArg_ParseTuple(args, "Os", &capsule, &which)) return NULL;
    lc_fit *fit = PyCapsule_GetPointer(capsule, "lcstat.fit");
    if (fit == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    lc_table *table = NULL;
    int32_t st = lc_fit_table(fit, which, &table, &err);
    if (st) return raise_status(module, st, &err);
    return table_capsule(table);
}

/* compare(capsule, capsule, refit) -> (columns, notes) */
static PyObject *compare(PyObject *module, PyObject *args) {
    PyObject *a, *b; int refit = 1;
    if (!PyArg_ParseTuple(args, "OO|p", &a, &b, &refit)) return NULL;
    lc_fit *fa = PyCapsule_GetPointer(a, "lcstat.fit"), *fb = PyCapsule_GetPointer(b, "lcstat.fit");
    if (fa == NULL || fb == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    lc_table *table = NULL;
    int32_t st;
    monitored_call call;
    MONITORED(call, NULL, st, lc_fit_compare_refit(fa, fb, refit, &table, &err));
    if (failed(module, &call, st, &err)) return NULL;
    return table_capsule(table);
}

static PyObject *version(PyObject *module, PyObject *unused) {
    (void)module; (void)unused;
    return Py_BuildValue("(is)", (int)lc_version(), lc_version_string());
}

static PyMethodDef methods[] = {
    {"run", run, METH_VARARGS, "run(analysis, data, spec) -> table"},
    {"table_layout", table_layout, METH_O, "table_layout(table) -> (nrows, [(name, kind)], notes)"},
    {"table_fill", table_fill, METH_VARARGS, "table_fill(table, column, out): copy a numeric column into a writable buffer"},
    {"memory_budget", memory_budget, METH_VARARGS, "memory_budget([bytes]) -> the memory budget in bytes (sets it first when given; 0: the default)"},
    {"table_texts", table_texts, METH_VARARGS, "table_texts(table, column) -> list of str"},
    {"version", version, METH_NOARGS, "version() -> (number, text) of the loaded liblcstat"},
    {"transfer", transfer, METH_VARARGS, "transfer(data, formula, reml, variance, weights, contrast_names, contrast_kinds, ddf) -> fit capsule"},
    {"fit_table", fit_table, METH_VARARGS, "fit_table(fit, which) -> table"},
    {"fit_confint", fit_confint, METH_VARARGS, "fit_confint(fit, method, level, nsim, seed) -> table"},
    {"fit_predict", fit_predict, METH_VARARGS, "fit_predict(fit, newdata) -> table"},
    {"compare", compare, METH_VARARGS, "compare(fit0, fit1, refit=True) -> table"},
    {NULL, NULL, 0, NULL},
};

static int exec_module(PyObject *module) {
    if (lc_version() != LCSTAT_VERSION_NUMBER) {
        PyErr_Format(PyExc_ImportError, "liblcstat %d does not match the header %d it was built with",
                     (int)lc_version(), LCSTAT_VERSION_NUMBER);
        return -1;
    }
    module_state *st = state_of(module);
    st->error_type = PyErr_NewExceptionWithDoc("lcstat.LcstatError",
        "An error reported by the lcstat library; .code holds its LC_STATUS_* code.", PyExc_ValueError, NULL);
    if (st->error_type == NULL) return -1;
    Py_INCREF(st->error_type);
    if (PyModule_AddObject(module, "LcstatError", st->error_type) < 0) { Py_DECREF(st->error_type); return -1; }
    return 0;
}

static int traverse(PyObject *m, visitproc visit, void *arg) { Py_VISIT(state_of(m)->error_type); return 0; }
static int clear(PyObject *m) { Py_CLEAR(state_of(m)->error_type); return 0; }
static void free_module(void *m) { clear((PyObject *)m); }

static PyModuleDef_Slot slots[] = {{Py_mod_exec, exec_module}, {0, NULL}};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_lcstat", "Private C accelerator of lcstat (over liblcstat's C ABI).",
    sizeof(module_state), methods, slots, traverse, clear, free_module,
};

PyMODINIT_FUNC PyInit__lcstat(void) { return PyModuleDef_Init(&moduledef); }
