import CLCStat

/// Hands memory that an analysis freed back to the operating system.
///
/// glibc raises its mmap threshold after the first large free, so later large
/// arrays (columns, groupings) come from the heap and thread arenas, which it
/// does not shrink by itself: without this, a host process keeps the analysis'
/// peak as resident memory after the call returns (52 MB after 1M rows, against
/// 16 MB before). Called after every call that builds a handle and after a
/// dataset, fit or table is freed; `malloc_trim(0)` costs well under a millisecond.
func returnFreedMemory() {
    lc_platform_release_freed_memory()
}
