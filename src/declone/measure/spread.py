"""How far a timing can be trusted: the rounds of one tree, and the change between two trees.

One run of each side says nothing about the noise of either, and on a busy machine wall time
swings by tens of percent between runs. So a timing is taken in rounds, and a change is
claimed only when it stands out of their spread:

- a side's **spread** is its range, slowest round minus fastest, over its median;
- a comparison's spread is the wider of its two sides';
- the change is **measurable** when every round of one side is slower than every round of the
  other (their ranges do not overlap) and the ratio of the medians is further from 1 than
  the spread. Otherwise it is "no measurable change (±N%)".

A side with fewer than two rounds has no spread, and a comparison with such a side never
claims a change. Under noise alone, two sides of three rounds fail to overlap one time in
ten, of five rounds one time in 126 (2 / C(2n, n)); the second condition makes a claim rarer
still. Rounds of the two sides are best interleaved (before, after, before, after...), so that
a change of load hits both.

Pure values and arithmetic; the rounds come from :mod:`declone.measure.session`.
"""

from __future__ import annotations

import enum
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MIN_ROUNDS",
    "Rounds",
    "TimeChange",
    "Verdict",
    "compare_times",
    "describe_change",
    "percent",
    "rounds_from_json",
    "time_change_from_json",
    "time_change_to_json",
]

#: Rounds a side needs before its spread, and so any change, can be told.
MIN_ROUNDS = 2


def percent(fraction: float) -> str:
    """A relative spread as whole percent, rounded up so that the noise is never understated."""
    # The small epsilon keeps 0.06 (stored as 0.0600000001) from showing as 7%.
    return f"{max(math.ceil(fraction * 100 - 1e-9), 0)}%"


@dataclass(frozen=True, slots=True)
class Rounds:
    """The wall times of one tree's rounds, in seconds, in the order they ran."""

    seconds: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.seconds:
            raise ValueError("a timing needs at least one round")

    @property
    def count(self) -> int:
        return len(self.seconds)

    @property
    def median(self) -> float:
        return float(statistics.median(self.seconds))

    @property
    def fastest(self) -> float:
        return min(self.seconds)

    @property
    def slowest(self) -> float:
        return max(self.seconds)

    @property
    def spread(self) -> float | None:
        """Slowest minus fastest over the median; None with fewer than ``MIN_ROUNDS`` rounds."""
        if self.count < MIN_ROUNDS:
            return None
        median = self.median
        return (self.slowest - self.fastest) / median if median > 0 else 0.0

    def median_text(self) -> str:
        """``"3.26 s ±2%"``, or ``"3.26 s"`` for one round, which has no spread."""
        spread = self.spread
        return f"{self.median:.2f} s" + ("" if spread is None else f" ±{percent(spread)}")

    def describe(self) -> str:
        """``"3.26 s ±2% (3 rounds)"``, or ``"3.26 s"`` for one round."""
        if self.count == 1:
            return self.median_text()
        return f"{self.median_text()} ({self.count} rounds)"

    def short(self) -> str:
        """``"3.26s ±2%"``, or ``"3.26s"`` for a single round: for a table cell."""
        spread = self.spread
        return f"{self.median:.2f}s" + ("" if spread is None else f" ±{percent(spread)}")


class Verdict(enum.StrEnum):
    NO_CHANGE = "no measurable change"
    SLOWER = "slower"
    FASTER = "faster"


@dataclass(frozen=True, slots=True)
class TimeChange:
    """Two trees' rounds compared: ``before`` (the baseline) and ``after``."""

    before: Rounds
    after: Rounds
    #: True when the rounds ran alternately (before, after, before, after...) in one command.
    interleaved: bool

    @property
    def ratio(self) -> float | None:
        """Median after over median before; None when the before median is 0."""
        before = self.before.median
        return self.after.median / before if before > 0 else None

    @property
    def spread(self) -> float | None:
        """The wider side's spread; None when a side has too few rounds to have one."""
        sides = (self.before.spread, self.after.spread)
        if sides[0] is None or sides[1] is None:
            return None
        return max(sides[0], sides[1])

    @property
    def verdict(self) -> Verdict:
        ratio, spread = self.ratio, self.spread
        if ratio is None or spread is None or ratio == 1:
            return Verdict.NO_CHANGE
        factor = max(ratio, 1 / ratio) if ratio > 0 else math.inf
        # Judged on the spread as shown (whole percent, rounded up): a claim never reads as
        # smaller than its own noise.
        shown_spread = float(percent(spread).rstrip("%")) / 100
        separate = (
            self.after.fastest > self.before.slowest or self.before.fastest > self.after.slowest
        )
        if not separate or factor - 1 <= shown_spread:
            return Verdict.NO_CHANGE
        return Verdict.SLOWER if ratio > 1 else Verdict.FASTER

    @property
    def factor(self) -> float | None:
        """How many times slower or faster (at least 1); None without a measurable change."""
        ratio = self.ratio
        if self.verdict is Verdict.NO_CHANGE or ratio is None or ratio <= 0:
            return None
        return ratio if ratio > 1 else 1 / ratio

    def describe(self) -> str:
        """``"1.31x slower (±6%)"``, ``"no measurable change (±6%)"``, or why no spread."""
        spread = self.spread
        if spread is None:
            return f"{Verdict.NO_CHANGE} (spread unknown: {self._too_few()})"
        factor = self.factor
        if factor is None:
            return f"{Verdict.NO_CHANGE} (±{percent(spread)})"
        return f"{factor:.2f}x {self.verdict} (±{percent(spread)})"

    def rounds_text(self) -> str:
        """``"3 rounds each, interleaved"`` or ``"1 round before, 3 after, not interleaved"``."""
        before, after = self.before.count, self.after.count
        counted = (
            f"{before} round{'' if before == 1 else 's'} each"
            if before == after
            else f"{before} round{'' if before == 1 else 's'} before, {after} after"
        )
        return f"{counted}, {'interleaved' if self.interleaved else 'not interleaved'}"

    def headline(self) -> str:
        """``"3.26 s ±2% -> 3.33 s ±4%, no measurable change (±4%)"``: both medians, each
        with its spread, and the verdict."""
        return f"{self.before.median_text()} -> {self.after.median_text()}, {self.describe()}"

    def summary(self) -> str:
        """:meth:`headline` and how the rounds ran, in one line."""
        return f"{self.headline()}; {self.rounds_text()}"

    def _too_few(self) -> str:
        sides = [
            f"{side.count} round {name}"
            for name, side in (("before", self.before), ("after", self.after))
            if side.count < MIN_ROUNDS
        ]
        return " and ".join(sides)


def compare_times(
    before: Sequence[float], after: Sequence[float], *, interleaved: bool = False
) -> TimeChange:
    return TimeChange(Rounds(tuple(before)), Rounds(tuple(after)), interleaved)


def describe_change(before: Sequence[float], after: Sequence[float]) -> str:
    """The verdict on two sides' rounds, as :meth:`TimeChange.describe` words it."""
    return compare_times(before, after).describe()


def _rounds_to_json(rounds: Rounds) -> dict[str, Any]:
    return {"median": rounds.median, "spread": rounds.spread, "rounds": list(rounds.seconds)}


def time_change_to_json(change: TimeChange) -> dict[str, Any]:
    return {
        "before": _rounds_to_json(change.before),
        "after": _rounds_to_json(change.after),
        "interleaved": change.interleaved,
        "ratio": change.ratio,
        "spread": change.spread,
        "verdict": change.verdict.value,
        "factor": change.factor,
        "description": change.describe(),
    }


def rounds_from_json(seconds: Iterable[float]) -> Rounds:
    return Rounds(tuple(float(value) for value in seconds))


def time_change_from_json(document: Mapping[str, Any]) -> TimeChange:
    """The inverse of :func:`time_change_to_json` (derived fields are recomputed)."""
    return TimeChange(
        rounds_from_json(document["before"]["rounds"]),
        rounds_from_json(document["after"]["rounds"]),
        bool(document["interleaved"]),
    )
