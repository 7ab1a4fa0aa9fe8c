"""Notebook 08's exercises: reference answers and the trial ``helpers.exercises`` runs.

No checker loop lives here: ``choose_labels`` and ``check_behaviour`` do the checking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Exercise 1: a pattern of keys and a maxsize the notebook did not replay.
PATTERN = ["a", "b", "c", "a", "d", "b", "a", "c", "a", "b"]
MAXSIZE = 3

#: Exercise 3: what to cache, and how.
SITUATIONS = {
    "a pure function of two small ints, asked for a few hundred distinct pairs, over and over":
        "lru_cache",
    "the mean of an object's large data, which never changes, read many times per object":
        "cached_property",
    "an expensive function (seconds) of a NumPy array that callers pass again as equal copies":
        "content key",
    "the price of a share, read from a web service that updates every second":
        "no cache",
    "abs(x) on a million distinct integers":
        "no cache",
}
WHY = {
    "a pure function of two small ints, asked for a few hundred distinct pairs, over and over":
        "hashable arguments that repeat, a result fixed by them: lru_cache with a maxsize "
        "that holds the working set",
    "the mean of an object's large data, which never changes, read many times per object":
        "one value per instance, no arguments: cached_property stores it in the instance "
        "and dies with it (lru_cache on the method would keep every instance alive)",
    "an expensive function (seconds) of a NumPy array that callers pass again as equal copies":
        "arrays are unhashable: key on dtype, shape and bytes; the key's cost is small next "
        "to seconds of work",
    "the price of a share, read from a web service that updates every second":
        "the result depends on time, not on the arguments: a cache returns stale prices",
    "abs(x) on a million distinct integers":
        "nothing repeats and the work is cheaper than a lookup: a cache only adds cost",
}


def stale_trial(cls: type) -> Callable[[], str | None]:
    """Exercise 2: ``cls(rate)`` converts with ``convert(euros)``, cached, and never stale.

    A repeated call must come from the cache (``computed`` does not grow), and after
    ``set_rate`` the next call must use the new rate.
    """

    def trial() -> str | None:
        prices = cls(1.10)
        first = [prices.convert(10.0), prices.convert(10.0)]
        if first != [11.0, 11.0]:
            return f"at rate 1.10, convert(10.0) twice gave {first}, expected [11.0, 11.0]"
        if prices.computed != 1:
            return (f"two equal calls computed {prices.computed} times: the second should "
                    "come from the cache")
        prices.set_rate(1.20)
        after: Any = prices.convert(10.0)
        if after != 12.0:
            return (f"after set_rate(1.20), convert(10.0) gave {after}, expected 12.0: "
                    "a stale result from the old rate")
        prices.convert(10.0)
        if prices.computed != 2:
            return (f"after the rate change, two equal calls brought computed to "
                    f"{prices.computed}, expected 2: the new rate's result is not cached")
        return None

    return trial
