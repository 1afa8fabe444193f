/* Declarations only (include/lcstat_readstat.h); SwiftPM needs a source file in a C target. */
