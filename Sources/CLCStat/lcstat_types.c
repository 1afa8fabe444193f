/* The C types of lcstat's ABI live in include/lcstat_types.h; this file only makes the target a library. */
#include "lcstat_types.h"
