"""Exact integer allocation: split a total over items by weight so the parts add up to the total.

Largest-remainder (Hamilton) method in integer arithmetic: each item gets the floor of its exact
share, the units left over go to the largest remainders (ties to the earlier item). Float
weights are turned into integers first (``WEIGHT_RESOLUTION``), so the result never depends on
floating-point summation order.
"""

from __future__ import annotations

from collections.abc import Sequence

WEIGHT_RESOLUTION = 1_000_000


def _int_weights(weights: Sequence[float | int]) -> list[int]:
    if all(isinstance(w, int) for w in weights):
        out = list(weights)  # type: ignore[arg-type]
    else:
        out = [round(w * WEIGHT_RESOLUTION) for w in weights]
    if any(w < 0 for w in out):
        raise ValueError("weights must be non-negative")
    return out


def allocate(total: int, weights: Sequence[float | int]) -> list[int]:
    """Split ``total`` (≥ 0) over ``weights``; items of weight 0 get 0 (all zero: equal shares)."""
    if total < 0:
        raise ValueError(f"cannot allocate a negative total ({total})")
    n = len(weights)
    if n == 0:
        if total:
            raise ValueError(f"cannot allocate {total} over no items")
        return []
    w = _int_weights(weights)
    denominator = sum(w)
    if denominator == 0:
        w, denominator = [1] * n, n
    parts = []
    remainders = []
    for i, weight in enumerate(w):
        quotient, remainder = divmod(total * weight, denominator)
        parts.append(quotient)
        remainders.append((-remainder, i))
    left = total - sum(parts)
    if left:
        for _, i in sorted(r for r in remainders if r[0] < 0)[:left]:
            parts[i] += 1
    return parts


def allocate_capped(total: int, weights: Sequence[float | int], caps: Sequence[int]) -> list[int]:
    """Like :func:`allocate`, but no item gets more than its cap (the excess goes to the others)."""
    if total > sum(caps):
        raise ValueError(f"cannot allocate {total} within caps summing to {sum(caps)}")
    w = _int_weights(weights)
    result = [0] * len(w)
    open_items = [i for i in range(len(w)) if caps[i] > 0]
    left = total
    while left:
        weighted = [i for i in open_items if w[i] > 0] or open_items
        parts = allocate(left, [w[i] for i in weighted])
        over = False
        for i, part in zip(weighted, parts):
            room = caps[i] - result[i]
            take = min(part, room)
            result[i] += take
            left -= take
            over = over or part > room
        open_items = [i for i in open_items if result[i] < caps[i]]
        if not over and left:
            raise AssertionError("allocation did not converge")  # pragma: no cover
    return result
