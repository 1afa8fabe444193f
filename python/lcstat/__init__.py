"""lcstat: learning climate, consensus and transfer statistics.

Every function takes a pandas DataFrame (or anything ``pandas.DataFrame()``
accepts) and returns a DataFrame whose columns have the same names as the
command-line tool's CSV output. The numbers come from the same Swift engine
as the CLI and the C library.
"""
from ._api import (LcstatError, aggregation, agreement, alpha, bootstrap_groups, icc, level_consensus,
                   null_distribution, read, rgr, scores, set_memory_budget, version)
from ._time import composition, consensus_over_time, plot_consensus, plot_emergence
from ._transfer import TransferResult, compare, emergence, transfer

__all__ = ["agreement", "icc", "alpha", "scores", "level_consensus", "null_distribution", "rgr", "aggregation",
           "consensus_over_time", "composition", "plot_consensus", "plot_emergence", "bootstrap_groups", "transfer", "compare",
           "emergence", "read", "TransferResult", "Result", "version", "set_memory_budget", "LcstatError"]
__version__ = version()      # the loaded library's; python/setup.py takes the same from Version.swift


def __getattr__(name):
    # lcstat.Result (the DataFrame subclass of every table) is made on first use, after pandas
    if name == "Result":
        from . import _api
        return _api.Result
    raise AttributeError(f"module 'lcstat' has no attribute {name!r}")
