/* Reads a CSV file, runs the agreement analysis, prints the table as CSV.
 *   cc -std=c11 -I include agreement_example.c -L dist/lib -llcstat -Wl,-rpath,dist/lib
 *   ./agreement_example examples/data/climate.csv */
#include <lcstat.h>
#include <math.h>
#include <stdio.h>

static int fail(const char *what, int32_t status, const lc_error *err) {
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, lc_status_string(status), (int)status, err->message);
    return 1;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/climate.csv";
    if (lc_version() != LCSTAT_VERSION_NUMBER) {
        fprintf(stderr, "header %d, library %d\n", LCSTAT_VERSION_NUMBER, (int)lc_version());
        return 1;
    }
    lc_error err;
    lc_dataset *data = NULL;
    lc_spec *spec = NULL;
    lc_table *table = NULL;
    int32_t st = lc_dataset_read_csv(path, NULL, &data, &err);
    if (st != LC_STATUS_OK) return fail("lc_dataset_read_csv", st, &err);

    const char *group[] = {"community"};
    const char *items[] = {"lc1", "lc2", "lc3", "lc4", "lc5", "lc6"};
    const char *reverse[] = {"lc4"};
    if ((st = lc_spec_create(&spec, &err)) != LC_STATUS_OK ||
        (st = lc_spec_set_group(spec, group, 1, &err)) != LC_STATUS_OK ||
        (st = lc_spec_set_items(spec, items, 6, &err)) != LC_STATUS_OK ||
        (st = lc_spec_set_reverse(spec, reverse, 1, &err)) != LC_STATUS_OK ||
        (st = lc_spec_set_scale(spec, 1, 5, &err)) != LC_STATUS_OK) {
        lc_spec_free(spec); lc_dataset_free(data);
        return fail("spec", st, &err);
    }
    st = lc_agreement(data, spec, &table, &err);
    lc_spec_free(spec);
    lc_dataset_free(data);
    if (st != LC_STATUS_OK) return fail("lc_agreement", st, &err);

    int64_t nrows = 0, ncols = 0;
    (void)lc_table_nrows(table, &nrows, &err);
    (void)lc_table_ncols(table, &ncols, &err);
    for (int64_t c = 0; c < 9 && c < ncols; c++) {
        const char *name = NULL;
        (void)lc_table_column_name(table, c, &name, &err);
        printf("%s%s", c ? "," : "", name);
    }
    printf("\n");
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t c = 0; c < 9 && c < ncols; c++) {
            int32_t type = 0;
            (void)lc_table_column_type(table, c, &type, &err);
            if (c) printf(",");
            if (type == LC_TYPE_TEXT) {
                const char *s = NULL;
                (void)lc_table_text(table, c, r, &s, &err);
                printf("%s", s);
            } else if (type == LC_TYPE_INT64) {
                const int64_t *v = NULL;
                (void)lc_table_column_int64s(table, c, &v, &err);
                printf("%lld", (long long)v[r]);
            } else {
                const double *v = NULL;
                (void)lc_table_column_doubles(table, c, &v, &err);
                if (!isnan(v[r])) printf("%.17g", v[r]);
            }
        }
        printf("\n");
    }
    /* Misuse is an error status, not a crash: */
    st = lc_table_nrows(NULL, &nrows, &err);
    if (st != LC_STATUS_BAD_HANDLE) { fprintf(stderr, "NULL handle accepted\n"); return 1; }
    lc_table_free(table);
    lc_table_free(table); /* a second free is ignored */
    st = lc_table_nrows(table, &nrows, &err);
    if (st != LC_STATUS_BAD_HANDLE) { fprintf(stderr, "freed handle accepted\n"); return 1; }
    return 0;
}
