/* _lcstat: the private CPython accelerator of the lcstat package, a thin layer over the C
 * ABI (include/lcstat.h): it moves buffers in and tables out; the package holds the API.
 *
 * run(analysis, data, spec[, progress]) -> table capsule
 *   analysis: a name in `analyses` below ("null_distribution" takes data None)
 *   data:     a list of (name, values) columns (see add_column) or a CSV file (see read_file)
 *   spec:     a dict of settings named after their setter (key for lc_spec_set_<key>),
 *             each of the Python type `setters` below gives it; None leaves one unset
 * A table capsule frees its table with it; table_layout reads its rows, columns (name,
 * kind "f"/"i"/"b"/"s", extra) and notes; table_column one column, whatever its type.
 * Errors raise LcstatError (a ValueError) with .code set to the status. The GIL is
 * released while the library works; long calls can be interrupted (monitored_call). */
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

/* The spec's typed setters (lc_spec_set_<key>) by key, with the Python value each takes. */
typedef enum { NAMES, TEXT, FLAG, COUNT, SEED, RANGE } value_kind;
static const char *const expected[] = {"a list of str", "a str", "a bool", "an int", "an int from 0 to 2**64 - 1",
                                       "a (low, high) pair of numbers"};
typedef void (*any_fn)(void);
typedef int32_t (*names_fn)(lc_spec *, const char *const *, int64_t, lc_error *);
typedef int32_t (*text_fn)(lc_spec *, const char *, lc_error *);
typedef int32_t (*flag_fn)(lc_spec *, int32_t, lc_error *);
typedef int32_t (*count_fn)(lc_spec *, int64_t, lc_error *);
typedef int32_t (*seed_fn)(lc_spec *, uint64_t, lc_error *);
typedef int32_t (*range_fn)(lc_spec *, double, double, lc_error *);

#define SETTER(key, kind) {#key, kind, (any_fn)lc_spec_set_##key}
static const struct { const char *key; value_kind kind; any_fn fn; } setters[] = {
    SETTER(group, NAMES), SETTER(items, NAMES), SETTER(reverse, NAMES), SETTER(ids, NAMES),
    SETTER(null, TEXT), SETTER(missing, TEXT), SETTER(icc_k, TEXT), SETTER(outcome, TEXT), SETTER(consensus, TEXT),
    SETTER(level_column, TEXT), SETTER(weights, TEXT), SETTER(method, TEXT), SETTER(wave, TEXT), SETTER(statistic, TEXT),
    SETTER(person, TEXT), SETTER(time, TEXT), SETTER(value, TEXT), SETTER(moderator, TEXT),
    SETTER(center, FLAG), SETTER(reml, FLAG), SETTER(significance, FLAG),
    SETTER(group_size, COUNT), SETTER(n_items, COUNT), SETTER(replications, COUNT), SETTER(pseudo_groups, COUNT),
    SETTER(bootstrap, COUNT), SETTER(seed, SEED), SETTER(scale, RANGE),
};
#undef SETTER

/* Converts `v` to the setter's C type and calls it: -1 when `v` is not of that type,
 * else 0 with the library's status in *st. */
static int call_setter(lc_spec *spec, value_kind kind, any_fn fn, PyObject *v, lc_error *err, int32_t *st) {
    int whole = PyLong_Check(v) && !PyBool_Check(v);
    const char **names = NULL, *s; Py_ssize_t n = 0; long long i; unsigned long long u; double lo, hi;
    switch (kind) {
    case NAMES:
        if (string_array(v, &names, &n) == 0) *st = ((names_fn)fn)(spec, names, (int64_t)n, err);
        PyMem_Free(names);
        return PyErr_Occurred() ? -1 : 0;
    case TEXT:
        if (!PyUnicode_Check(v) || (s = PyUnicode_AsUTF8(v)) == NULL) return -1;
        *st = ((text_fn)fn)(spec, s, err); return 0;
    case FLAG:
        if (!PyBool_Check(v)) return -1;
        *st = ((flag_fn)fn)(spec, v == Py_True, err); return 0;
    case COUNT:
        if (!whole || ((i = PyLong_AsLongLong(v)) == -1 && PyErr_Occurred())) return -1;
        *st = ((count_fn)fn)(spec, (int64_t)i, err); return 0;
    case SEED:
        if (!whole || ((u = PyLong_AsUnsignedLongLong(v)) == (unsigned long long)-1 && PyErr_Occurred())) return -1;
        *st = ((seed_fn)fn)(spec, (uint64_t)u, err); return 0;
    case RANGE:
        if (!PyArg_ParseTuple(v, "dd", &lo, &hi)) return -1;
        *st = ((range_fn)fn)(spec, lo, hi, err); return 0;
    }
    return -1;
}

/* Sets every setting of the dict `settings` on `spec`: -1 with an exception on failure. */
static int build_spec(PyObject *module, PyObject *settings, lc_spec *spec, lc_error *err) {
    PyObject *key, *value; Py_ssize_t pos = 0;
    while (PyDict_Next(settings, &pos, &key, &value)) {
        const char *k = PyUnicode_AsUTF8(key);
        if (k == NULL) return -1;
        if (value == Py_None) continue;
        size_t i = 0;
        while (i < sizeof setters / sizeof setters[0] && strcmp(setters[i].key, k) != 0) i++;
        if (i == sizeof setters / sizeof setters[0]) { PyErr_Format(PyExc_ValueError, "unknown spec setting '%s'", k); return -1; }
        int32_t st = 0;
        if (call_setter(spec, setters[i].kind, setters[i].fn, value, err, &st) < 0) {    /* a wrong type, or out of range */
            if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
            st = PyErr_Occurred() && PyErr_ExceptionMatches(PyExc_OverflowError) ? LC_STATUS_INVALID_ARGUMENT : 0;
            PyErr_Clear();
            snprintf(err->message, sizeof err->message, "%s must be %s", k, expected[setters[i].kind]);
            if (!st) return PyErr_SetString(PyExc_TypeError, err->message), -1;
        }
        if (st) { raise_status(module, st, err); return -1; }
    }
    return 0;
}

typedef int32_t (*analysis_fn)(const lc_dataset *, const lc_spec *, lc_table **, lc_error *);

/* lc_null_distribution reads the spec alone (run() passes data None). */
static int32_t null_distribution(const lc_dataset *data, const lc_spec *spec, lc_table **out, lc_error *err) {
    return (void)data, lc_null_distribution(spec, out, err);
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

/* `obj` as a one-dimensional contiguous buffer (writable when asked) of items of a struct
 * format in `letters` (8 bytes each, '?' 1): its format letter, or 0 with a TypeError. */
static char get_buffer(PyObject *obj, Py_buffer *view, const char *letters, int writable, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0) return 0;
    const char *f = view->format != NULL ? view->format : "";
    f += *f == '@' || *f == '=' || *f == '<';                          /* native order */
    if (view->ndim == 1 && f[0] != 0 && f[1] == 0 && strchr(letters, f[0]) != NULL && view->itemsize == (f[0] == '?' ? 1 : 8))
        return f[0];
    PyBuffer_Release(view);
    PyErr_Format(PyExc_TypeError, "%s must be a one-dimensional contiguous buffer of format '%c'", name, letters[0]);
    return 0;
}

/* int64 values and an optional missing mask (bool or uint8, one byte a row). */
static int32_t add_int64(lc_dataset *data, const char *name, Py_buffer *view, PyObject *mask, lc_error *err) {
    Py_buffer missing; int32_t st;
    int has_mask = mask != NULL && mask != Py_None;
    if (has_mask && PyObject_GetBuffer(mask, &missing, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (has_mask && missing.len != view->len / 8) {
        PyErr_Format(PyExc_ValueError, "column '%s': the missing mask has %zd bytes for %zd rows", name, missing.len, view->len / 8);
        PyBuffer_Release(&missing);
        return -1;
    }
    Py_BEGIN_ALLOW_THREADS
    st = lc_dataset_add_int64(data, name, (const int64_t *)view->buf, has_mask ? (const uint8_t *)missing.buf : NULL,
                              (int64_t)(view->len / 8), err);
    Py_END_ALLOW_THREADS
    if (has_mask) PyBuffer_Release(&missing);
    return st;
}

/* One column: float64 values; int64 values (exact keys), alone or as (values, missing mask);
 * (codes, levels) text; (codes, levels, ordered) a categorical in its own level order. */
static int add_column(PyObject *module, lc_dataset *data, PyObject *item, lc_error *err) {
    const char *name; PyObject *values, *codes, *levels = NULL; int ordered = -1;
    if (!PyArg_ParseTuple(item, "sO", &name, &values)) return -1;
    Py_buffer view; int32_t st;
    int keyed = PyTuple_Check(values);
    if (keyed && !PyArg_ParseTuple(values, "OO|p", &codes, &levels, &ordered)) return -1;
    if (keyed && !PyList_Check(levels)) {                          /* (int64 values, missing mask) */
        if (!get_buffer(codes, &view, "ql", 0, name)) return -1;
        st = add_int64(data, name, &view, levels, err);
    } else if (keyed) {
        const char **lv = NULL; Py_ssize_t nl = 0;
        if (string_array(levels, &lv, &nl) < 0 || !get_buffer(codes, &view, "ql", 0, name)) { PyMem_Free(lv); return -1; }
        int64_t n = (int64_t)(view.len / 8);
        Py_BEGIN_ALLOW_THREADS
        st = ordered < 0 ? lc_dataset_add_labels(data, name, (const int64_t *)view.buf, n, lv, (int64_t)nl, err)
                         : lc_dataset_add_categorical(data, name, (const int64_t *)view.buf, n, lv, (int64_t)nl, ordered, err);
        Py_END_ALLOW_THREADS
        PyMem_Free(lv);
    } else {
        char letter = get_buffer(values, &view, "dql", 0, name);
        if (!letter) return -1;
        if (letter != 'd') st = add_int64(data, name, &view, NULL, err);
        else {
            Py_BEGIN_ALLOW_THREADS
            st = lc_dataset_add_numeric(data, name, (const double *)view.buf, (int64_t)(view.len / 8), err);
            Py_END_ALLOW_THREADS
        }
    }
    PyBuffer_Release(&view);
    if (st > 0) raise_status(module, st, err);
    return st ? -1 : 0;
}

/* A result table stays in the library until the Python side has copied each
 * wanted column once into its final array: a capsule that frees the handle. */
static void free_table_capsule(PyObject *capsule) { lc_table_free(PyCapsule_GetPointer(capsule, "lcstat.table")); }

static PyObject *table_capsule(lc_table *table) {
    PyObject *capsule = PyCapsule_New(table, "lcstat.table", free_table_capsule);
    if (capsule == NULL) lc_table_free(table);
    return capsule;
}

/* table_layout(table) -> (nrows, [(name, kind, extra)], notes); kind "f", "i", "b" or "s";
 * extra: whether the column is shown only when asked for. */
static PyObject *table_layout(PyObject *module, PyObject *capsule) {
    lc_table *table = PyCapsule_GetPointer(capsule, "lcstat.table");
    lc_error err = {0};
    int64_t nrows = 0, ncols = 0, nnotes = 0; int32_t st;
    if (table == NULL) return NULL;
    if ((st = lc_table_nrows(table, &nrows, &err)) || (st = lc_table_ncols(table, &ncols, &err)) ||
        (st = lc_table_nnotes(table, &nnotes, &err))) return raise_status(module, st, &err);
    PyObject *cols = PyList_New((Py_ssize_t)ncols), *notes = PyList_New((Py_ssize_t)nnotes), *result = NULL;
    if (cols == NULL || notes == NULL) goto done;
    for (int64_t c = 0; c < ncols; c++) {
        const char *name = NULL; int32_t type = 0, extra = 0;
        if ((st = lc_table_column_name(table, c, &name, &err)) || (st = lc_table_column_type(table, c, &type, &err)) ||
            (st = lc_table_column_extra(table, c, &extra, &err))) {
            raise_status(module, st, &err); goto done;
        }
        PyObject *entry = Py_BuildValue("(sCN)", name, type == LC_TYPE_DOUBLE ? 'f' : type == LC_TYPE_INT64 ? 'i'
                                        : type == LC_TYPE_BOOL ? 'b' : 's', PyBool_FromLong(extra));
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

/* table_column(table, column[, out]): a text column as a list of str; a numeric or bool
 * column copied into `out`, a writable buffer of exactly nrows values of its type. */
static PyObject *table_column(PyObject *module, PyObject *args) {
    PyObject *capsule, *target = NULL; Py_ssize_t c;
    if (!PyArg_ParseTuple(args, "On|O", &capsule, &c, &target)) return NULL;
    lc_table *table = PyCapsule_GetPointer(capsule, "lcstat.table");
    lc_error err = {0};
    int64_t nrows = 0; int32_t type = 0, st;
    if (table == NULL) return NULL;
    if ((st = lc_table_nrows(table, &nrows, &err)) || (st = lc_table_column_type(table, (int64_t)c, &type, &err)))
        return raise_status(module, st, &err);
    if (type == LC_TYPE_TEXT) {
        PyObject *list = PyList_New((Py_ssize_t)nrows);
        for (int64_t r = 0; list != NULL && r < nrows; r++) {
            const char *s = NULL;
            if ((st = lc_table_text(table, (int64_t)c, r, &s, &err))) { Py_DECREF(list); return raise_status(module, st, &err); }
            PyObject *u = r > 0 ? PyList_GET_ITEM(list, r - 1) : NULL;      /* runs of one text share one str */
            if (u != NULL && strcmp(PyUnicode_AsUTF8(u), s) == 0) Py_INCREF(u);
            else if ((u = PyUnicode_FromString(s)) == NULL) Py_CLEAR(list);
            if (list != NULL) PyList_SET_ITEM(list, (Py_ssize_t)r, u);
        }
        return list;
    }
    Py_buffer view;
    if (target == NULL) return PyErr_Format(PyExc_TypeError, "column %zd is numeric: give a buffer to fill", c);
    if (!get_buffer(target, &view, type == LC_TYPE_DOUBLE ? "d" : type == LC_TYPE_BOOL ? "?" : "qlLQ", 1, "the target")) return NULL;
    const void *v = NULL;
    if (view.len != nrows * view.itemsize) st = -1;
    else st = type == LC_TYPE_DOUBLE ? lc_table_column_doubles(table, (int64_t)c, (const double **)&v, &err)
            : type == LC_TYPE_BOOL ? lc_table_column_bools(table, (int64_t)c, (const uint8_t **)&v, &err)
                                   : lc_table_column_int64s(table, (int64_t)c, (const int64_t **)&v, &err);
    if (!st && nrows > 0) memcpy(view.buf, v, (size_t)view.len);
    PyBuffer_Release(&view);
    if (st < 0) return PyErr_Format(PyExc_ValueError, "column %zd needs a buffer of %lld values", c, (long long)nrows);
    return st ? raise_status(module, st, &err) : Py_NewRef(Py_None);
}

/* A call runs with the GIL released and a progress callback registered for this thread
 * (lc_progress_set). About every 100 ms of long work the library calls it on this thread:
 * it takes the GIL back, lets Python run its signal handlers (Ctrl-C raises
 * KeyboardInterrupt, which cancels the call: LC_STATUS_CANCELLED) and calls the
 * `progress(done)` callable if one was given (an exception there cancels too). */
typedef struct { PyObject *module, *progress; PyThreadState *state; int raised; lc_error err; } monitored_call;

static int32_t on_progress(void *context, double done) {
    monitored_call *c = context;
    PyEval_RestoreThread(c->state);
    int stop = PyErr_CheckSignals() != 0;
    if (!stop && c->progress != NULL && c->progress != Py_None) {
        PyObject *r = PyObject_CallFunction(c->progress, "d", done);
        if (r == NULL) stop = 1; else Py_DECREF(r);
    }
    c->raised |= stop;
    c->state = PyEval_SaveThread();
    return stop;
}

static void begin(monitored_call *c, PyObject *module, PyObject *progress) {
    *c = (monitored_call){module, progress, NULL, 0, {0}};
    c->state = PyEval_SaveThread();
    lc_progress_set(on_progress, c);
}

/* Declares the monitored call `c` and begins it. */
#define MONITOR(c, module, progress) monitored_call c; begin(&c, module, progress)

/* Ends a call begun with begin(): 0, or -1 with the exception the callback raised, else the library's. */
static int end(monitored_call *c, int32_t st) {
    lc_progress_set(NULL, NULL);
    PyEval_RestoreThread(c->state);
    if (st && !(c->raised && PyErr_Occurred())) raise_status(c->module, st, &c->err);
    return st ? -1 : 0;
}

/* Reads a CSV file through the library: source is (path, delimiter, decimal, na_values,
 * columns), the two characters as their codes (0: automatic), columns None for all. */
static int read_file(PyObject *module, PyObject *source, lc_dataset **data) {
    PyObject *path, *na_list, *column_list;
    lc_csv_options o;
    lc_csv_options_init(&o);
    if (!PyArg_ParseTuple(source, "O&bbOO", PyUnicode_FSConverter, &path, &o.delimiter, &o.decimal, &na_list, &column_list))
        return -1;
    const char **na = NULL, **columns = NULL; Py_ssize_t nna = 0, ncolumns = 0;
    int32_t st = -1;
    if (string_array(na_list, &na, &nna) == 0 && string_array(column_list, &columns, &ncolumns) == 0) {
        o.na_values = na; o.n_na_values = nna;
        if (columns != NULL) { o.columns = columns; o.n_columns = ncolumns; }
        MONITOR(c, module, NULL);                                /* Ctrl-C stops a long read */
        st = end(&c, lc_dataset_read_csv(PyBytes_AS_STRING(path), &o, data, &c.err));
    }
    PyMem_Free(na);
    PyMem_Free(columns);
    Py_DECREF(path);
    return st ? -1 : 0;
}

/* An Arrow C stream (the PyCapsule "arrow_array_stream" of __arrow_c_stream__) and the
 * columns to keep (None: all). The library consumes the stream: it releases it, and the
 * capsule's destructor then finds it released (the PyCapsule protocol's move). */
static int read_arrow(PyObject *module, PyObject *capsule, PyObject *column_list, lc_dataset **data) {
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (stream == NULL) return -1;
    const char **columns = NULL; Py_ssize_t ncolumns = 0;
    if (string_array(column_list, &columns, &ncolumns) < 0) { PyMem_Free(columns); return -1; }
    MONITOR(c, module, NULL);
    int32_t st = end(&c, lc_dataset_from_arrow(stream, columns, column_list == Py_None ? 0 : (int64_t)ncolumns, data, &c.err));
    PyMem_Free(columns);
    return st ? -1 : 0;
}

/* A data file read by its extension (lc_dataset_read_file: SPSS and Stata through ReadStat)
 * and the columns to keep (None: all). */
static int read_any_file(PyObject *module, PyObject *path_object, PyObject *column_list, lc_dataset **data) {
    PyObject *path = NULL;
    if (!PyUnicode_FSConverter(path_object, &path)) return -1;
    const char **columns = NULL; Py_ssize_t ncolumns = 0;
    int32_t st = -1;
    if (string_array(column_list, &columns, &ncolumns) == 0) {
        MONITOR(c, module, NULL);
        st = end(&c, lc_dataset_read_file(PyBytes_AS_STRING(path), columns, column_list == Py_None ? 0 : (int64_t)ncolumns, data, &c.err));
    }
    PyMem_Free(columns);
    Py_DECREF(path);
    return st ? -1 : 0;
}

/* The dataset behind `source`: a (path, csv options) tuple read by the library, a (path,
 * columns) pair of an SPSS or Stata file, an
 * (Arrow stream capsule, columns) pair, or a list of columns copied in. On failure an
 * exception is set and *data is NULL. */
static int build_dataset(PyObject *module, PyObject *source, lc_dataset **data, lc_error *err) {
    *data = NULL;
    if (PyTuple_Check(source) && PyTuple_GET_SIZE(source) == 2 && PyCapsule_CheckExact(PyTuple_GET_ITEM(source, 0)))
        return read_arrow(module, PyTuple_GET_ITEM(source, 0), PyTuple_GET_ITEM(source, 1), data);
    if (PyTuple_Check(source) && PyTuple_GET_SIZE(source) == 2)
        return read_any_file(module, PyTuple_GET_ITEM(source, 0), PyTuple_GET_ITEM(source, 1), data);
    if (PyTuple_Check(source)) return read_file(module, source, data);
    if (!PyList_Check(source)) { PyErr_SetString(PyExc_TypeError, "data must be a list of columns or a CSV file"); return -1; }
    int32_t st = lc_dataset_create(data, err);
    if (st) { raise_status(module, st, err); return -1; }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(source); i++)
        if (add_column(module, *data, PyList_GET_ITEM(source, i), err) < 0) { lc_dataset_free(*data); *data = NULL; return -1; }
    return 0;
}

/* The fit of a fit capsule (NULL with an exception when it is not one). */
static lc_fit *fit_of(PyObject *capsule) { return PyCapsule_GetPointer(capsule, "lcstat.fit"); }

static void free_fit_capsule(PyObject *capsule) { lc_fit_free(fit_of(capsule)); }

/* read(source) -> table capsule: the dataset behind `source` (see build_dataset) as a table. */
static PyObject *read_data(PyObject *module, PyObject *args) {
    PyObject *source;
    if (!PyArg_ParseTuple(args, "O", &source)) return NULL;
    lc_error err = {0};
    lc_dataset *data = NULL;
    lc_table *table = NULL;
    PyObject *result = NULL;
    if (build_dataset(module, source, &data, &err) == 0) {
        int32_t st = lc_dataset_table(data, &table, &err);
        result = st ? raise_status(module, st, &err) : table_capsule(table);
    }
    lc_dataset_free(data);
    return result;
}

static PyObject *run(PyObject *module, PyObject *args) {
    const char *analysis; PyObject *columns, *settings, *progress = NULL, *result = NULL;
    if (!PyArg_ParseTuple(args, "sOO!|O", &analysis, &columns, &PyDict_Type, &settings, &progress)) return NULL;
    analysis_fn fn = find_analysis(analysis);
    if (fn == NULL) return PyErr_Format(PyExc_ValueError, "unknown analysis '%s'", analysis);
    lc_error err = {0};
    lc_dataset *data = NULL;
    lc_spec *spec = NULL;
    lc_table *table = NULL;
    int32_t st = lc_spec_create(&spec, &err);
    if (st) { raise_status(module, st, &err); goto done; }
    if (columns != Py_None && build_dataset(module, columns, &data, &err) < 0) goto done;
    if (build_spec(module, settings, spec, &err) < 0) goto done;
    MONITOR(c, module, progress);
    if (end(&c, fn(data, spec, &table, &c.err)) == 0) result = table_capsule(table);
done:
    lc_spec_free(spec);
    lc_dataset_free(data);
    return result;
}

/* transfer(data, formula, reml, variance, weights, contrast_names, contrast_kinds, ddf, correlation, scale, nagq, family, link[, progress, columns])
 * -> fit capsule; data as for run(); variance, weights, correlation and scale may be None, the contrast lists empty.
 * With columns True: the table of the columns the fit reads (lc_transfer_columns), data unused. */
static PyObject *transfer(PyObject *module, PyObject *args) {
    PyObject *columns, *names, *kinds, *progress = NULL, *result = NULL; const char *formula; int only_columns = 0;
    lc_transfer_options o;
    lc_transfer_options_init(&o);
    if (!PyArg_ParseTuple(args, "OspzzO!O!izzizz|Op", &columns, &formula, &o.reml, &o.variance, &o.weights,
                          &PyList_Type, &names, &PyList_Type, &kinds, &o.ddf, &o.correlation, &o.scale, &o.nagq,
                          &o.family, &o.link, &progress, &only_columns)) return NULL;
    lc_error err = {0};
    lc_dataset *data = NULL;
    lc_fit *fit = NULL;
    const char **nv = NULL, **kv = NULL; Py_ssize_t nn = 0, nk = 0;
    if (string_array(names, &nv, &nn) < 0 || string_array(kinds, &kv, &nk) < 0) goto done;
    if (nn != nk) { PyErr_SetString(PyExc_ValueError, "contrast names and kinds differ in length"); goto done; }
    o.contrast_names = nv; o.contrast_kinds = kv; o.n_contrasts = (int64_t)nn;
    lc_table *table = NULL; int32_t st = only_columns ? lc_transfer_columns(formula, &o, &table, &err) : 0;
    if (only_columns) { result = st ? raise_status(module, st, &err) : table_capsule(table); goto done; }
    if (build_dataset(module, columns, &data, &err) < 0) goto done;
    MONITOR(c, module, progress);
    if (end(&c, lc_transfer_fit(data, formula, &o, &fit, &c.err)) < 0) goto done;
    if ((result = PyCapsule_New(fit, "lcstat.fit", free_fit_capsule)) == NULL) lc_fit_free(fit);
done:
    PyMem_Free(nv);
    PyMem_Free(kv);
    lc_dataset_free(data);
    return result;
}

/* fit_confint(fit, method, level, nsim, seed[, progress]) -> table */
static PyObject *fit_confint(PyObject *module, PyObject *args) {
    PyObject *capsule, *progress = NULL; const char *method; double level; long long nsim; unsigned long long seed;
    if (!PyArg_ParseTuple(args, "OsdLK|O", &capsule, &method, &level, &nsim, &seed, &progress) || !fit_of(capsule)) return NULL;
    lc_table *table = NULL;
    MONITOR(c, module, progress);
    return end(&c, lc_fit_confint(fit_of(capsule), method, level, (int64_t)nsim, (uint64_t)seed, &table, &c.err)) ? NULL
         : table_capsule(table);
}

/* fit_predict(fit, newdata) -> table; newdata as for run(). */
static PyObject *fit_predict(PyObject *module, PyObject *args) {
    PyObject *capsule, *columns, *result = NULL;
    lc_error err = {0};
    lc_dataset *data = NULL;
    lc_table *table = NULL;
    if (!PyArg_ParseTuple(args, "OO", &capsule, &columns) || !fit_of(capsule)) return NULL;
    if (build_dataset(module, columns, &data, &err) < 0) return NULL;
    MONITOR(c, module, NULL);
    if (end(&c, lc_fit_predict(fit_of(capsule), data, &table, &c.err)) == 0) result = table_capsule(table);
    lc_dataset_free(data);
    return result;
}

/* fit_table(fit, which) -> table */
static PyObject *fit_table(PyObject *module, PyObject *args) {
    PyObject *capsule; const char *which; lc_error err = {0}; lc_table *table = NULL;
    if (!PyArg_ParseTuple(args, "Os", &capsule, &which) || !fit_of(capsule)) return NULL;
    int32_t st = lc_fit_table(fit_of(capsule), which, &table, &err);
    return st ? raise_status(module, st, &err) : table_capsule(table);
}

/* compare(fit0, fit1, refit=True) -> table */
static PyObject *compare(PyObject *module, PyObject *args) {
    PyObject *a, *b; int refit = 1;
    if (!PyArg_ParseTuple(args, "OO|p", &a, &b, &refit) || !fit_of(a) || !fit_of(b)) return NULL;
    lc_table *table = NULL;
    MONITOR(c, module, NULL);
    return end(&c, lc_fit_compare_refit(fit_of(a), fit_of(b), refit, &table, &c.err)) ? NULL : table_capsule(table);
}

/* memory_budget([bytes]) -> the budget in force; with bytes (0: the default), sets it first. */
static PyObject *memory_budget(PyObject *module, PyObject *args) {
    long long bytes = -1;
    if (!PyArg_ParseTuple(args, "|L", &bytes)) return NULL;
    if (bytes >= 0) lc_set_memory_budget((int64_t)bytes);
    return PyLong_FromLongLong((long long)lc_memory_budget());
}

static PyObject *version(PyObject *module, PyObject *unused) {
    (void)module; (void)unused;
    return Py_BuildValue("(is)", (int)lc_version(), lc_version_string());
}

static PyMethodDef methods[] = {
    {"run", run, METH_VARARGS, "run(analysis, data, spec) -> table"},
    {"table_layout", table_layout, METH_O, "table_layout(table) -> (nrows, [(name, kind)], notes)"},
    {"table_column", table_column, METH_VARARGS, "table_column(table, column[, out]): a text column as a list, or a numeric one copied into out"},
    {"memory_budget", memory_budget, METH_VARARGS, "memory_budget([bytes]) -> the memory budget in bytes (sets it first when given; 0: the default)"},
    {"version", version, METH_NOARGS, "version() -> (number, text) of the loaded liblcstat"},
    {"read", read_data, METH_VARARGS, "read(source) -> table capsule: the dataset behind source as a table"},
    {"transfer", transfer, METH_VARARGS, "transfer(data, formula, reml, variance, weights, contrast_names, contrast_kinds, ddf, correlation, scale, nagq, family, link) -> fit capsule"},
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
    return st->error_type == NULL ? -1 : PyModule_AddObjectRef(module, "LcstatError", st->error_type);
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
