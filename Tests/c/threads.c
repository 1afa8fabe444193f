/* Eight C threads at once, each reading the example dataset, building its own spec
 * and running agreement and a simulated null distribution: every thread's numbers
 * must equal a serial run's bit for bit. Exit status 0 when they do.
 * Usage: threads CSV */
#include <lcstat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 8, MAX_VALUES = 100000 };

typedef struct { const char *path; double values[MAX_VALUES]; int64_t count; int32_t status; } job;

/* Appends every float64 column of `table` to j->values. */
static void collect(const lc_table *table, job *j) {
    lc_error err;
    int64_t rows = 0, cols = 0;
    lc_table_nrows(table, &rows, &err);
    lc_table_ncols(table, &cols, &err);
    for (int64_t c = 0; c < cols; c++) {
        int32_t type = 0;
        const double *v = NULL;
        if (lc_table_column_type(table, c, &type, &err) || type != LC_TYPE_DOUBLE) continue;
        if (lc_table_column_doubles(table, c, &v, &err)) continue;
        for (int64_t r = 0; r < rows && j->count < MAX_VALUES; r++) j->values[j->count++] = v[r];
    }
}

static void *work(void *arg) {
    job *j = arg;
    lc_error err;
    lc_dataset *data = NULL;
    lc_spec *spec = NULL;
    lc_table *table = NULL;
    const char *group[] = {"community"}, *items[] = {"lc1", "lc2", "lc3", "lc4", "lc5", "lc6"};
    j->status = lc_dataset_read_csv(j->path, NULL, &data, &err);
    if (!j->status) j->status = lc_spec_create(&spec, &err);
    if (!j->status) j->status = lc_spec_set_group(spec, group, 1, &err);
    if (!j->status) j->status = lc_spec_set_items(spec, items, 6, &err);
    if (!j->status) j->status = lc_spec_set_scale(spec, 1, 5, &err);
    if (!j->status) j->status = lc_agreement(data, spec, &table, &err);
    if (!j->status) { collect(table, j); lc_table_free(table); table = NULL; }
    if (!j->status) j->status = lc_spec_set_group_size(spec, 12, &err);
    if (!j->status) j->status = lc_spec_set_method(spec, "monte_carlo", &err);
    if (!j->status) j->status = lc_spec_set_replications(spec, 20000, &err);
    if (!j->status) j->status = lc_spec_set_seed(spec, 42, &err);
    if (!j->status) j->status = lc_null_distribution(spec, &table, &err);
    if (!j->status) { collect(table, j); lc_table_free(table); }
    if (j->status) fprintf(stderr, "thread failed: %s\n", err.message);
    lc_spec_free(spec);
    lc_dataset_free(data);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: threads CSV\n"); return 2; }
    static job serial, jobs[THREADS];
    serial.path = argv[1];
    work(&serial);
    if (serial.status || serial.count == 0) { fprintf(stderr, "the serial run failed\n"); return 1; }
    pthread_t ids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t].path = argv[1];
        if (pthread_create(&ids[t], NULL, work, &jobs[t])) { fprintf(stderr, "pthread_create failed\n"); return 1; }
    }
    int bad = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(ids[t], NULL);
        if (jobs[t].status || jobs[t].count != serial.count ||
            memcmp(jobs[t].values, serial.values, (size_t)serial.count * sizeof(double)) != 0) {
            fprintf(stderr, "thread %d differs from the serial run\n", t);
            bad = 1;
        }
    }
    if (!bad) printf("C threads: %d threads equal the serial run bit for bit (%lld numbers each)\n", THREADS, (long long)serial.count);
    return bad;
}
