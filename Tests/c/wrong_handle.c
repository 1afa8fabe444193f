/* Must NOT compile (scripts/check-header expects the compiler to refuse it): a spec
 * handle passed where a dataset handle is expected. Distinct handle types make this
 * a compile-time error instead of LC_STATUS_BAD_HANDLE at run time. */
#include <lcstat.h>

int main(void) {
    lc_spec *spec = NULL;
    lc_table *table = NULL;
    lc_error err;
    return lc_agreement(spec, spec, &table, &err);
}
