"""An atomic fetch-and-add on an int64 array's element, for the kernel's threads to share out
work as they free up (Numba's parallel loops split their iterations between the threads before
they start, whatever each costs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic


def _fetch_add(typingctx: Any, counter: Any, value: Any) -> Any:
    """Numba's typing and code of :data:`fetch_add`."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None
    signature = types.int64(counter, types.int64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        array = context.make_array(sig.args[0])(context, builder, args[0])
        pointer = cgutils.get_item_pointer(  # type: ignore[no-untyped-call]
            context, builder, sig.args[0], array, [ir.Constant(ir.IntType(64), 0)]
        )
        return builder.atomic_rmw("add", pointer, args[1], "seq_cst")

    return signature, codegen


fetch_add = cast(Callable[[Any, int], int], intrinsic(_fetch_add))
"""``fetch_add(counter, value)``: ``counter[0]`` (an int64 array's) before ``value`` is added
to it, atomically (sequentially consistent); compiled code only."""


SHARES = 8
"""Shares of a parallel pass's work per thread. A pass's threads take the next share as they
free up (:func:`fetch_add` on a cursor), so a thread slowed by its share's nodes, or by the
host, does not hold up the pass while the other waits: with one share per thread, the sort's
slower thread took 14–25 % longer than the other over ten national days."""
