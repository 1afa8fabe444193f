#include "lcstat_types.h"
