/* Every misuse of the C ABI is an error status with a message, never a crash.
 * Built and run by scripts/check-header against dist/lib/liblcstat.so. */
#include <lcstat.h>
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

static int failures = 0, checks = 0;
static int garbage_marker;

/* A progress callback that counts its calls and asks to stop at the first. */
static int32_t stop_at_first(void *context, double done) {
    (void)done;
    ++*(int *)context;
    return 1;
}

static void expect(const char *what, int32_t got, int32_t want, const lc_error *err, const char *words) {
    checks++;
    int ok = got == want && (words == NULL || strstr(err->message, words) != NULL);
    if (!ok) {
        failures++;
        printf("FAIL %s: status %d (want %d), message '%s' (want '%s')\n", what, (int)got, (int)want, err->message,
               words ? words : "");
    }
}

/* The index of the column called `name`, or -1. */
static int64_t column_named(const lc_table *table, const char *name) {
    lc_error e;
    int64_t n = 0;
    if (lc_table_ncols(table, &n, &e) != LC_STATUS_OK) return -1;
    for (int64_t i = 0; i < n; i++) {
        const char *s = NULL;
        if (lc_table_column_name(table, i, &s, &e) == LC_STATUS_OK && s && strcmp(s, name) == 0) return i;
    }
    return -1;
}

int main(void) {
    lc_error err;
    lc_dataset *ds = NULL;
    lc_spec *spec = NULL;
    lc_table *table = NULL;
    const double x[4] = {1, 2, 3, 3};
    const int64_t codes[4] = {0, 0, 1, 1};
    const char *levels[2] = {"a", "b"};
    const char *group[1] = {"g"}, *items[1] = {"x"};
    int64_t n = 0;

    expect("read_csv NULL path", lc_dataset_read_csv(NULL, NULL, &ds, &err), LC_STATUS_INVALID_ARGUMENT, &err, "path");
    expect("read_csv NULL out", lc_dataset_read_csv("x.csv", NULL, NULL, &err), LC_STATUS_INVALID_ARGUMENT, &err, "out");
    expect("read_csv missing file", lc_dataset_read_csv("/nonexistent/x.csv", NULL, &ds, &err), LC_STATUS_IO, &err, "cannot open");
    if (ds != NULL) { failures++; printf("FAIL out not NULL after failure\n"); }

    lc_csv_options opts;
    expect("options init", lc_csv_options_init(&opts), LC_STATUS_OK, &err, NULL);
    opts.struct_size = 8;
    expect("options wrong size", lc_dataset_read_csv("x.csv", &opts, &ds, &err), LC_STATUS_INVALID_ARGUMENT, &err, "struct_size");
    expect("options init NULL", lc_csv_options_init(NULL), LC_STATUS_INVALID_ARGUMENT, &err, NULL);

    expect("arrow NULL stream", lc_dataset_from_arrow(NULL, NULL, 0, &ds, &err), LC_STATUS_INVALID_ARGUMENT, &err, "stream is NULL");
    struct ArrowArrayStream released = {0};       /* a released stream: every callback NULL */
    expect("arrow released stream", lc_dataset_from_arrow(&released, NULL, 0, &ds, &err), LC_STATUS_INVALID_ARGUMENT, &err, "released");
    expect("create", lc_dataset_create(&ds, &err), LC_STATUS_OK, &err, NULL);
    expect("add NULL values", lc_dataset_add_numeric(ds, "x", NULL, 4, &err), LC_STATUS_INVALID_ARGUMENT, &err, "NULL");
    expect("add negative length", lc_dataset_add_numeric(ds, "x", x, -1, &err), LC_STATUS_INVALID_ARGUMENT, &err, "negative");
    expect("add NULL name", lc_dataset_add_numeric(ds, NULL, x, 4, &err), LC_STATUS_INVALID_ARGUMENT, &err, "name");
    const double inf[2] = {1, INFINITY};
    expect("add infinity", lc_dataset_add_numeric(ds, "y", inf, 2, &err), LC_STATUS_NON_FINITE, &err, "finite");
    expect("add x", lc_dataset_add_numeric(ds, "x", x, 4, &err), LC_STATUS_OK, &err, NULL);
    expect("add wrong length", lc_dataset_add_numeric(ds, "z", x, 3, &err), LC_STATUS_INVALID_ARGUMENT, &err, "rows");
    expect("add duplicate", lc_dataset_add_numeric(ds, "x", x, 4, &err), LC_STATUS_INVALID_ARGUMENT, &err, "duplicate");
    const int64_t bad_codes[4] = {0, 5, 1, 1};
    expect("labels bad code", lc_dataset_add_labels(ds, "g", bad_codes, 4, levels, 2, &err), LC_STATUS_INVALID_ARGUMENT, &err, "code 5");
    expect("labels NULL levels", lc_dataset_add_labels(ds, "g", codes, 4, NULL, 2, &err), LC_STATUS_INVALID_ARGUMENT, &err, "levels");
    expect("labels printing the same", lc_dataset_add_labels(ds, "g", codes, 4, (const char *[]){"a", "a"}, 2, &err),
           LC_STATUS_INVALID_ARGUMENT, &err, "'a' appears twice");
    expect("labels", lc_dataset_add_labels(ds, "g", codes, 4, levels, 2, &err), LC_STATUS_OK, &err, NULL);
    const int64_t ids[4] = {INT64_MIN, 9007199254740993LL, 9007199254740992LL, 9007199254740993LL};
    const uint8_t id_missing[4] = {1, 0, 0, 0};
    expect("int64 NULL values", lc_dataset_add_int64(ds, "id", NULL, NULL, 4, &err), LC_STATUS_INVALID_ARGUMENT, &err, "NULL");
    expect("int64 reserved value", lc_dataset_add_int64(ds, "id", ids, NULL, 4, &err), LC_STATUS_INVALID_ARGUMENT, &err, "reserved");
    expect("int64 with mask", lc_dataset_add_int64(ds, "id", ids, id_missing, 4, &err), LC_STATUS_OK, &err, NULL);

    expect("spec", lc_spec_create(&spec, &err), LC_STATUS_OK, &err, NULL);
    expect("spec NULL list", lc_spec_set_items(spec, NULL, 2, &err), LC_STATUS_INVALID_ARGUMENT, &err, "NULL");
    expect("spec negative count", lc_spec_set_items(spec, items, -3, &err), LC_STATUS_INVALID_ARGUMENT, &err, "negative");
    expect("spec bad scale", lc_spec_set_scale(spec, 5, 1, &err), LC_STATUS_INVALID_ARGUMENT, &err, "low < high");
    expect("spec NaN scale", lc_spec_set_scale(spec, NAN, 5, &err), LC_STATUS_INVALID_ARGUMENT, &err, "finite");
    expect("spec bad null", lc_spec_set_null(spec, "bogus", &err), LC_STATUS_INVALID_ARGUMENT, &err, "bogus");
    expect("spec bad missing", lc_spec_set_missing(spec, "some", &err), LC_STATUS_INVALID_ARGUMENT, &err, "listwise");
    expect("spec on a dataset handle", lc_spec_set_items((lc_spec *)ds, items, 1, &err), LC_STATUS_BAD_HANDLE, &err, "spec");
    expect("spec empty wave column", lc_spec_set_wave(spec, "", &err), LC_STATUS_INVALID_ARGUMENT, &err, "column");
    expect("spec NULL outcome", lc_spec_set_outcome(spec, NULL, &err), LC_STATUS_INVALID_ARGUMENT, &err, "NULL");
    expect("spec bad consensus", lc_spec_set_consensus(spec, "rwg", &err), LC_STATUS_INVALID_ARGUMENT, &err, "rwg_j");
    expect("spec bad statistic", lc_spec_set_statistic(spec, "mode", &err), LC_STATUS_INVALID_ARGUMENT, &err, "median");
    expect("spec negative bootstrap", lc_spec_set_bootstrap(spec, -5, &err), LC_STATUS_INVALID_ARGUMENT, &err, "-5");
    expect("level_consensus without outcome", lc_level_consensus(ds, spec, &table, &err), LC_STATUS_INVALID_ARGUMENT, &err, "outcome");
    expect("agreement without items", lc_agreement(ds, spec, &table, &err), LC_STATUS_INVALID_ARGUMENT, &err, "group");
    expect("set group", lc_spec_set_group(spec, group, 1, &err), LC_STATUS_OK, &err, NULL);
    expect("set items", lc_spec_set_items(spec, items, 1, &err), LC_STATUS_OK, &err, NULL);
    expect("agreement swapped handles", lc_agreement((const lc_dataset *)spec, (const lc_spec *)ds, &table, &err), LC_STATUS_BAD_HANDLE, &err, "dataset");
    expect("agreement NULL out", lc_agreement(ds, spec, NULL, &err), LC_STATUS_INVALID_ARGUMENT, &err, "out");
    expect("agreement", lc_agreement(ds, spec, &table, &err), LC_STATUS_OK, &err, NULL);
    lc_table *unused = (lc_table *)&garbage_marker;
    expect("no error struct is fine", lc_agreement(ds, NULL, &unused, NULL), LC_STATUS_BAD_HANDLE, &err, NULL);
    checks++;
    if (unused != NULL) { failures++; printf("FAIL out not cleared on failure\n"); }

    const double *d = NULL;
    const char *s = NULL;
    expect("column out of range", lc_table_column_doubles(table, 99, &d, &err), LC_STATUS_INVALID_ARGUMENT, &err, "out of range");
    expect("column negative", lc_table_column_name(table, -1, &s, &err), LC_STATUS_INVALID_ARGUMENT, &err, "out of range");
    expect("wrong column type", lc_table_column_doubles(table, 0, &d, &err), LC_STATUS_INVALID_ARGUMENT, &err, "LC_TYPE_DOUBLE");
    int32_t extra_group = -1, extra_note = -1;
    expect("extra flag", lc_table_column_extra(table, 0, &extra_group, &err), LC_STATUS_OK, &err, NULL);
    lc_table_column_extra(table, column_named(table, "note"), &extra_note, &err);
    checks++;
    if (extra_group != 0 || extra_note != 1) { failures++; printf("FAIL extra flags: group %d, note %d\n", extra_group, extra_note); }
    expect("extra flag out of range", lc_table_column_extra(table, 99, &extra_note, &err), LC_STATUS_INVALID_ARGUMENT, &err, "range");
    const uint8_t *flags = NULL;
    expect("bools of a text column", lc_table_column_bools(table, 0, &flags, &err), LC_STATUS_INVALID_ARGUMENT, &err, "LC_TYPE_BOOL");
    expect("text row out of range", lc_table_text(table, 0, 1000, &s, &err), LC_STATUS_INVALID_ARGUMENT, &err, "row");
    expect("note out of range", lc_table_note(table, 1000, &s, &err), LC_STATUS_INVALID_ARGUMENT, &err, "note");
    expect("nrows NULL out", lc_table_nrows(table, NULL, &err), LC_STATUS_INVALID_ARGUMENT, &err, "out");
    expect("nrows", lc_table_nrows(table, &n, &err), LC_STATUS_OK, &err, NULL);
    checks++;
    if (n != 2) { failures++; printf("FAIL nrows %lld\n", (long long)n); }

    lc_table_free(table);
    lc_table_free(table);                 /* second free: ignored */
    expect("freed table", lc_table_nrows(table, &n, &err), LC_STATUS_BAD_HANDLE, &err, "not a live");
    lc_spec_free(spec);
    expect("freed spec", lc_spec_set_items(spec, items, 1, &err), LC_STATUS_BAD_HANDLE, &err, "not a live");
    lc_dataset_free(ds);
    lc_dataset_free(ds);
    expect("freed dataset", lc_dataset_nrows(ds, &n, &err), LC_STATUS_BAD_HANDLE, &err, "not a live");
    int garbage = 42;
    expect("foreign pointer", lc_dataset_nrows((const lc_dataset *)&garbage, &n, &err), LC_STATUS_BAD_HANDLE, &err, "not a live");
    lc_dataset_free((lc_dataset *)&garbage);   /* not ours: ignored */
    lc_table_free(NULL);
    lc_spec_free(NULL);
    lc_dataset_free(NULL);
    checks += 2;
    if (strcmp(lc_status_string(LC_STATUS_UNKNOWN_COLUMN), "unknown column") != 0) { failures++; printf("FAIL status string\n"); }
    if (strcmp(lc_status_string(12345), "unknown status") != 0) { failures++; printf("FAIL unknown status string\n"); }

    /* null distributions: the same seed gives the same doubles, another seed others */
    {
        lc_spec *ns = NULL;
        lc_table *t1 = NULL, *t2 = NULL, *t3 = NULL;
        expect("null spec", lc_spec_create(&ns, &err), LC_STATUS_OK, &err, NULL);
        expect("null without scale", lc_null_distribution(ns, &t1, &err), LC_STATUS_INVALID_ARGUMENT, &err, "scale");
        lc_spec_set_scale(ns, 1, 5, &err);
        expect("null without group size", lc_null_distribution(ns, &t1, &err), LC_STATUS_INVALID_ARGUMENT, &err, "group_size");
        expect("null negative replications", lc_spec_set_replications(ns, -1, &err), LC_STATUS_INVALID_ARGUMENT, &err, "replications");
        expect("null zero replications", (lc_spec_set_replications(ns, 0, &err), lc_spec_set_group_size(ns, 8, &err),
               lc_null_distribution(ns, &t1, &err)), LC_STATUS_INVALID_ARGUMENT, &err, "replications");
        lc_spec_set_replications(ns, 3000, &err);
        lc_spec_set_method(ns, "monte_carlo", &err);
        lc_spec_set_n_items(ns, 3, &err);
        lc_spec_set_seed(ns, 77, &err);
        expect("null run 1", lc_null_distribution(ns, &t1, &err), LC_STATUS_OK, &err, NULL);
        expect("null run 2", lc_null_distribution(ns, &t2, &err), LC_STATUS_OK, &err, NULL);
        lc_spec_set_seed(ns, 78, &err);
        expect("null run 3", lc_null_distribution(ns, &t3, &err), LC_STATUS_OK, &err, NULL);
        const double *a = NULL, *b = NULL, *c = NULL;
        int64_t n = 0;
        lc_table_nrows(t1, &n, &err);
        int64_t mean_col = column_named(t1, "mean");
        lc_table_column_doubles(t1, mean_col, &a, &err);
        lc_table_column_doubles(t2, mean_col, &b, &err);
        lc_table_column_doubles(t3, mean_col, &c, &err);
        checks += 2;
        if (!a || !b || !c || n != 5 || memcmp(a, b, (size_t)n * sizeof(double)) != 0) { failures++; printf("FAIL same seed differs\n"); }
        if (a && c && memcmp(a, c, (size_t)n * sizeof(double)) == 0) { failures++; printf("FAIL another seed gives the same\n"); }
        lc_table_free(t1); lc_table_free(t2); lc_table_free(t3); lc_spec_free(ns);
    }

    /* transfer models: options, intervals, predictions and a categorical */
    {
        lc_dataset *d = NULL;
        lc_fit *fit = NULL;
        lc_table *t = NULL;
        const double y[8] = {1.0, 2.1, 2.9, 4.2, 2.0, 2.8, 4.1, 5.0}, t8[8] = {1, 2, 3, 4, 1, 2, 3, 4};
        const int64_t person[8] = {0, 0, 0, 0, 1, 1, 1, 1}, arm[8] = {1, 0, 1, 0, 1, 0, 1, 0};
        const char *people[2] = {"p1", "p2"}, *arms[2] = {"treated", "control"};
        lc_dataset_create(&d, &err);
        lc_dataset_add_numeric(d, "y", y, 8, &err);
        lc_dataset_add_numeric(d, "t", t8, 8, &err);
        lc_dataset_add_labels(d, "person", person, 8, people, 2, &err);
        expect("categorical repeated level", lc_dataset_add_categorical(d, "arm", arm, 8, (const char *[]){"a", "a"}, 2, 0, &err),
               LC_STATUS_INVALID_ARGUMENT, &err, "distinct");   /* a categorical's repeated category */
        expect("categorical", lc_dataset_add_categorical(d, "arm", arm, 8, arms, 2, 0, &err), LC_STATUS_OK, &err, NULL);
        lc_transfer_options o;
        expect("transfer options init NULL", lc_transfer_options_init(NULL), LC_STATUS_INVALID_ARGUMENT, &err, NULL);
        lc_transfer_options_init(&o);
        o.struct_size = 4;
        expect("transfer options wrong size", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT,
               &err, "struct_size");
        lc_transfer_options_init(&o);
        const char *names[1] = {"arm"}, *kinds[1] = {"nonsense"};
        o.contrast_names = names; o.contrast_kinds = kinds; o.n_contrasts = 1;
        expect("transfer bad contrasts", lc_transfer_fit(d, "y ~ t + arm + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT,
               &err, "contrasts");
        o.n_contrasts = 0; o.ddf = 7;
        expect("transfer bad ddf", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT, &err, "ddf");
        o.ddf = LC_DDF_SATTERTHWAITE;
        expect("transfer fit", lc_transfer_fit(d, "y ~ t + arm + (1 | person)", &o, &fit, &err), LC_STATUS_OK, &err, NULL);
        const char *name = NULL;
        expect("fixed table", lc_fit_table(fit, "fixed", &t, &err), LC_STATUS_OK, &err, NULL);
        lc_table_column_name(t, 0, &name, &err);
        int64_t rows = 0;
        lc_table_nrows(t, &rows, &err);
        const char *third = NULL;
        lc_table_text(t, 0, 2, &third, &err);
        checks++;
        if (rows != 3 || third == NULL || strcmp(third, "armcontrol") != 0) { failures++; printf("FAIL categorical reference: %s\n", third ? third : "?"); }
        lc_table_free(t);
        expect("confint bad method", lc_fit_confint(fit, "guess", 0.95, 10, 1, &t, &err), LC_STATUS_INVALID_ARGUMENT, &err, "method");
        expect("confint bad level", lc_fit_confint(fit, "wald", 1.5, 10, 1, &t, &err), LC_STATUS_INVALID_ARGUMENT, &err, "level");
        expect("confint no simulations", lc_fit_confint(fit, "bootstrap", 0.95, 0, 1, &t, &err), LC_STATUS_INVALID_ARGUMENT, &err, "simulations");
        expect("predict NULL newdata", lc_fit_predict(fit, NULL, &t, &err), LC_STATUS_BAD_HANDLE, &err, NULL);
        expect("predict fit as newdata", lc_fit_predict(fit, (const lc_dataset *)fit, &t, &err), LC_STATUS_BAD_HANDLE, &err, NULL);
        expect("predict", lc_fit_predict(fit, d, &t, &err), LC_STATUS_OK, &err, NULL);
        lc_table_free(t);
        expect("unknown fit table", lc_fit_table(fit, "nothing", &t, &err), LC_STATUS_INVALID_ARGUMENT, &err, "anova");
        expect("compare refit", lc_fit_compare_refit(fit, fit, 1, &t, &err), LC_STATUS_OK, &err, NULL);
        lc_table_free(t);
        lc_fit_free(fit);
        /* a residual correlation structure; the layout before `correlation` reads it as none */
        lc_transfer_options_init(&o);
        o.family = "gamma";
        expect("transfer unknown family", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT,
               &err, "unknown family");
        o.family = "binomial";
        expect("transfer binomial of a continuous response", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err),
               LC_STATUS_INVALID_ARGUMENT, &err, "binomial response");
        o.family = NULL; o.link = "probit";
        expect("transfer link without family", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT,
               &err, "link needs family");
        lc_transfer_options_init(&o);
        o.correlation = "ar1(t person)";
        expect("transfer bad correlation", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT,
               &err, "correlation structure");
        o.correlation = "ar1(t | person)";
        expect("transfer ar1", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_OK, &err, NULL);
        expect("correlation table", lc_fit_table(fit, "correlation", &t, &err), LC_STATUS_OK, &err, NULL);
        const char *parameter = NULL;
        lc_table_text(t, column_named(t, "parameter"), 0, &parameter, &err);
        checks++;
        if (parameter == NULL || strcmp(parameter, "phi") != 0) { failures++; printf("FAIL correlation parameter: %s\n", parameter ? parameter : "?"); }
        lc_table_free(t);
        lc_fit_free(fit);
        o.correlation = NULL;
        o.scale = "~ t + (1 + t | person)";
        expect("transfer random scale slope", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT,
               &err, "is not (1 | group)");
        o.scale = "~ t + (1 | person)";
        o.nagq = 26;
        expect("transfer random scale nagq", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_INVALID_ARGUMENT,
               &err, "nagq must be between 1");
        o.nagq = 11;
        o.scale = "~ t";
        expect("transfer scale", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_OK, &err, NULL);
        expect("scale table", lc_fit_table(fit, "scale", &t, &err), LC_STATUS_OK, &err, NULL);
        int64_t scale_rows = 0;
        lc_table_nrows(t, &scale_rows, &err);
        checks++;
        if (scale_rows != 2) { failures++; printf("FAIL scale table rows: %lld\n", (long long)scale_rows); }
        lc_table_free(t);
        lc_fit_free(fit);
        o.correlation = "ar1(t | person)";
        o.struct_size = (uint32_t)offsetof(lc_transfer_options, correlation);
        expect("transfer options before correlation", lc_transfer_fit(d, "y ~ t + (1 | person)", &o, &fit, &err), LC_STATUS_OK, &err, NULL);
        expect("no correlation table", lc_fit_table(fit, "correlation", &t, &err), LC_STATUS_OK, &err, NULL);
        int64_t none = -1;
        lc_table_nrows(t, &none, &err);
        checks++;
        if (none != 0) { failures++; printf("FAIL the old layout read a correlation\n"); }
        lc_table_free(t);
        lc_fit_free(fit);
        lc_dataset_free(d);
    }

    /* a progress callback stops a long call: LC_STATUS_CANCELLED, nothing made, the thread usable */
    {
        lc_spec *ns = NULL;
        lc_table *t = NULL;
        int calls = 0;
        lc_spec_create(&ns, &err);
        lc_spec_set_scale(ns, 1, 5, &err);
        lc_spec_set_group_size(ns, 10, &err);
        lc_spec_set_replications(ns, 100000000, &err);
        lc_spec_set_method(ns, "monte_carlo", &err);
        lc_progress_set(stop_at_first, &calls);
        expect("cancelled by the callback", lc_null_distribution(ns, &t, &err), LC_STATUS_CANCELLED, &err, "cancelled");
        lc_progress_set(NULL, NULL);
        checks++;
        if (calls != 1 || t != NULL) { failures++; printf("FAIL cancel: %d calls, table %p\n", calls, (void *)t); }
        lc_spec_set_replications(ns, 1000, &err);
        expect("the next call runs", lc_null_distribution(ns, &t, &err), LC_STATUS_OK, &err, NULL);
        lc_table_free(t);
        lc_spec_free(ns);
    }

    /* a freed handle stays dead for good: after a million new handles, none is the old one */
    {
        lc_spec *stale = NULL, *fresh = NULL;
        lc_spec_create(&stale, &err);
        lc_spec_free(stale);
        int reused = 0;
        for (int i = 0; i < 1000000; i++) {
            lc_spec_create(&fresh, &err);
            if (fresh == stale) reused = 1;
            lc_spec_free(fresh);
        }
        checks++;
        if (reused) { failures++; printf("FAIL a freed handle value was given out again\n"); }
        expect("stale handle after 10^6 handles", lc_spec_set_items(stale, items, 1, &err), LC_STATUS_BAD_HANDLE, &err, "not a live");
        lc_spec_free(stale);               /* a second free of a stale handle: ignored */
    }

    printf("C ABI misuse: %d checks, %d failed\n", checks, failures);
    return failures != 0;
}
