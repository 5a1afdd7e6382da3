"""The process's long-lived objects, set aside from the cyclic garbage collector."""

from __future__ import annotations

import gc


def settle() -> None:
    """After start-up and after a tool index is built: what exists then (modules, models,
    templates, the catalogue and its index) lives as long as the process, so it is frozen
    out of the collector's reach. A full collection otherwise walked all of it, some 70 ms
    at 10,000 tools during which every request and update waited; it now walks only what
    requests made. Frozen objects are still freed when their last reference goes."""
    gc.collect()
    gc.freeze()
