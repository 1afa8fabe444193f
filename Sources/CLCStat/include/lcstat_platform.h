/* Private to the library (not part of the public lcstat.h): platform calls
 * that Swift's Glibc module does not expose. */
#ifndef LCSTAT_PLATFORM_H
#define LCSTAT_PLATFORM_H

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

/* Returns memory that malloc holds but no longer uses to the operating system
 * (glibc's malloc_trim; a no-op elsewhere). */
static inline void lc_platform_release_freed_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

#endif
