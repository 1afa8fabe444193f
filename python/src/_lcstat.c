/* _lcstat: the private CPython accelerator of the lcstat package, a thin layer
 * over the C ABI (include/lcstat.h). The Python package lcstat holds the API;
 * this module only moves buffers in and tables out.
 *
 * run(analysis, data, spec) -> (columns, notes)
 *   analysis: "agreement", "icc", "alpha", "scores", "level_consensus", "rgr",
 *             "aggregation", "consensus_over_time", "composition", "emergence", "bootstrap"
 *             or "null_distribution" (which takes data None: it reads the spec alone)
 *   data:     list of (name, values) with values a C-contiguous float64 buffer,
 *             or (name, (codes, levels)) with codes a C-contiguous int64
 *             buffer (-1 = missing) and levels a list of str;
 *             or (path, csv) to let the library read a CSV file itself, csv a
 *             dict with optional delimiter, decimal (str of one character),
 *             na_values and columns (lists of str)
 *   spec:     dict with optional keys group, items, reverse (lists of str),
 *             scale ((low, high)), null, missing, icc_k (str), and options
 *             (dict of str to str, each passed to lc_spec_set)
 *   returns:  list of (name, type, data): type "f" or "i" with bytes of
 *             float64 / int64, "s" with a list of str; and the notes (list of str)
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

typedef int32_t (*set_list_fn)(void *, const char *const *, int64_t, lc_error *);

static int set_list(PyObject *spec, const char *key, void *handle, set_list_fn fn, lc_error *err, int32_t *status) {
    const char **arr = NULL; Py_ssize_t n = 0;
    PyObject *v = PyDict_GetItemString(spec, key);
    if (v == NULL) return 0;
    if (string_array(v, &arr, &n) < 0) { PyMem_Free(arr); return -1; }
    *status = fn(handle, arr, (int64_t)n, err);
    PyMem_Free(arr);
    return 0;
}

typedef int32_t (*set_text_fn)(void *, const char *, lc_error *);

static int set_text(PyObject *spec, const char *key, void *handle, set_text_fn fn, lc_error *err, int32_t *status) {
    PyObject *v = PyDict_GetItemString(spec, key);
    if (v == NULL || v == Py_None) return 0;
    const char *s = PyUnicode_AsUTF8(v);
    if (s == NULL) return -1;
    *status = fn(handle, s, err);
    return 0;
}

static int build_spec(PyObject *spec, void *handle, lc_error *err, int32_t *status) {
    if (set_list(spec, "group", handle, lc_spec_set_group, err, status) < 0 || *status) return -1;
    if (set_list(spec, "items", handle, lc_spec_set_items, err, status) < 0 || *status) return -1;
    if (set_list(spec, "reverse", handle, lc_spec_set_reverse, err, status) < 0 || *status) return -1;
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

typedef int32_t (*analysis_fn)(const void *, const void *, void **, lc_error *);

/* lc_null_distribution reads the spec alone; run() calls it with data None. */
static int32_t null_distribution(const void *data, const void *spec, void **out, lc_error *err) {
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

static int add_column(PyObject *module, void *data, PyObject *item, lc_error *err) {
    const char *name; PyObject *values;
    if (!PyArg_ParseTuple(item, "sO", &name, &values)) return -1;
    Py_buffer view; int32_t st;
    if (PyTuple_Check(values)) {
        PyObject *codes, *levels;
        if (!PyArg_ParseTuple(values, "OO", &codes, &levels)) return -1;
        const char **lv = NULL; Py_ssize_t nl = 0;
        if (string_array(levels, &lv, &nl) < 0) { PyMem_Free(lv); return -1; }
        if (get_buffer(codes, &view, "q", name) < 0 && (PyErr_Clear(), get_buffer(codes, &view, "l", name) < 0)) { PyMem_Free(lv); return -1; }
        Py_BEGIN_ALLOW_THREADS
        st = lc_dataset_add_labels(data, name, (const int64_t *)view.buf, (int64_t)(view.len / view.itemsize), lv, (int64_t)nl, err);
        Py_END_ALLOW_THREADS
        PyMem_Free(lv);
    } else {
        if (get_buffer(values, &view, "d", name) < 0) return -1;
        Py_BEGIN_ALLOW_THREADS
        st = lc_dataset_add_numeric(data, name, (const double *)view.buf, (int64_t)(view.len / view.itemsize), err);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&view);
    if (st) { raise_status(module, st, err); return -1; }
    return 0;
}

static PyObject *table_to_python(PyObject *module, void *table, lc_error *err) {
    int64_t nrows = 0, ncols = 0, nnotes = 0;
    int32_t st = lc_table_nrows(table, &nrows, err);
    if (!st) st = lc_table_ncols(table, &ncols, err);
    if (!st) st = lc_table_nnotes(table, &nnotes, err);
    if (st) return raise_status(module, st, err);
    PyObject *cols = PyList_New(0), *notes = PyList_New(0), *result = NULL;
    if (cols == NULL || notes == NULL) goto done;
    for (int64_t c = 0; c < ncols; c++) {
        const char *name = NULL; int32_t type = 0; PyObject *data = NULL;
        if ((st = lc_table_column_name(table, c, &name, err)) || (st = lc_table_column_type(table, c, &type, err))) {
            raise_status(module, st, err); goto done;
        }
        if (type == LC_TYPE_DOUBLE) {
            const double *v = NULL;
            if ((st = lc_table_column_doubles(table, c, &v, err))) { raise_status(module, st, err); goto done; }
            data = PyBytes_FromStringAndSize((const char *)v, (Py_ssize_t)(nrows * (int64_t)sizeof(double)));
        } else if (type == LC_TYPE_INT64) {
            const int64_t *v = NULL;
            if ((st = lc_table_column_int64s(table, c, &v, err))) { raise_status(module, st, err); goto done; }
            data = PyBytes_FromStringAndSize((const char *)v, (Py_ssize_t)(nrows * (int64_t)sizeof(int64_t)));
        } else {
            data = PyList_New((Py_ssize_t)nrows);
            for (int64_t r = 0; data != NULL && r < nrows; r++) {
                const char *s = NULL;
                if ((st = lc_table_text(table, c, r, &s, err))) { Py_CLEAR(data); raise_status(module, st, err); goto done; }
                PyObject *u = PyUnicode_FromString(s);
                if (u == NULL) { Py_CLEAR(data); goto done; }
                PyList_SET_ITEM(data, (Py_ssize_t)r, u);
            }
        }
        if (data == NULL) goto done;
        PyObject *entry = Py_BuildValue("(ssN)", name, type == LC_TYPE_DOUBLE ? "f" : type == LC_TYPE_INT64 ? "i" : "s", data);
        if (entry == NULL || PyList_Append(cols, entry) < 0) { Py_XDECREF(entry); goto done; }
        Py_DECREF(entry);
    }
    for (int64_t i = 0; i < nnotes; i++) {
        const char *s = NULL;
        if ((st = lc_table_note(table, i, &s, err))) { raise_status(module, st, err); goto done; }
        PyObject *u = PyUnicode_FromString(s);
        if (u == NULL || PyList_Append(notes, u) < 0) { Py_XDECREF(u); goto done; }
        Py_DECREF(u);
    }
    result = PyTuple_Pack(2, cols, notes);
done:
    Py_XDECREF(cols);
    Py_XDECREF(notes);
    return result;
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
static int read_file(PyObject *module, PyObject *source, void **data, lc_error *err) {
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
static int build_dataset(PyObject *module, PyObject *source, void **data, lc_error *err) {
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

static PyObject *run(PyObject *module, PyObject *args) {
    const char *analysis; PyObject *columns, *spec;
    if (!PyArg_ParseTuple(args, "sOO!", &analysis, &columns, &PyDict_Type, &spec)) return NULL;
    analysis_fn fn = find_analysis(analysis);
    if (fn == NULL) return PyErr_Format(PyExc_ValueError, "unknown analysis '%s'", analysis);
    lc_error err; err.message[0] = 0;
    void *data = NULL, *sp = NULL, *table = NULL;
    PyObject *result = NULL;
    int32_t st = lc_spec_create(&sp, &err);
    if (st) { raise_status(module, st, &err); goto done; }
    if (columns != Py_None && build_dataset(module, columns, &data, &err) < 0) goto done;
    if (build_spec(spec, sp, &err, &st) < 0) {
        if (st) raise_status(module, st, &err);
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    st = fn(data, sp, &table, &err);
    Py_END_ALLOW_THREADS
    if (st) { raise_status(module, st, &err); goto done; }
    result = table_to_python(module, table, &err);
done:
    lc_table_free(table);
    lc_spec_free(sp);
    lc_dataset_free(data);
    return result;
}

/* The Python side of a fit: a capsule that frees the lcstat fit handle. */
static void free_fit_capsule(PyObject *capsule) {
    lc_fit_free(PyCapsule_GetPointer(capsule, "lcstat.fit"));
}

/* transfer(data, formula, reml) -> capsule; data as for run(). */
static PyObject *transfer(PyObject *module, PyObject *args) {
    PyObject *columns; const char *formula; int reml; const char *variance = NULL;
    if (!PyArg_ParseTuple(args, "Osp|z", &columns, &formula, &reml, &variance)) return NULL;
    lc_error err; err.message[0] = 0;
    void *data = NULL, *fit = NULL;
    PyObject *result = NULL;
    int32_t st;
    if (build_dataset(module, columns, &data, &err) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    st = lc_transfer_with_variance(data, formula, variance, reml, &fit, &err);
    Py_END_ALLOW_THREADS
    if (st) { raise_status(module, st, &err); goto done; }
    result = PyCapsule_New(fit, "lcstat.fit", free_fit_capsule);
    if (result == NULL) lc_fit_free(fit);
done:
    lc_dataset_free(data);
    return result;
}

/* fit_table(capsule, which) -> (columns, notes) */
static PyObject *fit_table(PyObject *module, PyObject *args) {
    PyObject *capsule; const char *which;
    if (!PyArg_ParseTuple(args, "Os", &capsule, &which)) return NULL;
    void *fit = PyCapsule_GetPointer(capsule, "lcstat.fit");
    if (fit == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    void *table = NULL;
    int32_t st = lc_fit_table(fit, which, &table, &err);
    if (st) return raise_status(module, st, &err);
    PyObject *result = table_to_python(module, table, &err);
    lc_table_free(table);
    return result;
}

/* compare(capsule, capsule) -> (columns, notes) */
static PyObject *compare(PyObject *module, PyObject *args) {
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "OO", &a, &b)) return NULL;
    void *fa = PyCapsule_GetPointer(a, "lcstat.fit"), *fb = PyCapsule_GetPointer(b, "lcstat.fit");
    if (fa == NULL || fb == NULL) return NULL;
    lc_error err; err.message[0] = 0;
    void *table = NULL;
    int32_t st;
    Py_BEGIN_ALLOW_THREADS
    st = lc_fit_compare(fa, fb, &table, &err);
    Py_END_ALLOW_THREADS
    if (st) return raise_status(module, st, &err);
    PyObject *result = table_to_python(module, table, &err);
    lc_table_free(table);
    return result;
}

static PyObject *version(PyObject *module, PyObject *unused) {
    (void)module; (void)unused;
    return Py_BuildValue("(is)", (int)lc_version(), lc_version_string());
}

static PyMethodDef methods[] = {
    {"run", run, METH_VARARGS, "run(analysis, data, spec) -> (columns, notes)"},
    {"version", version, METH_NOARGS, "version() -> (number, text) of the loaded liblcstat"},
    {"transfer", transfer, METH_VARARGS, "transfer(data, formula, reml, variance=None) -> fit capsule"},
    {"fit_table", fit_table, METH_VARARGS, "fit_table(fit, which) -> (columns, notes)"},
    {"compare", compare, METH_VARARGS, "compare(fit0, fit1) -> (columns, notes)"},
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
    return PyModule_AddIntConstant(module, "HEADER_VERSION", LCSTAT_VERSION_NUMBER);
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
