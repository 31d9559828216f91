"""app.sizing: the byte count that bounds the caches (issue 16, finding 1)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from pydantic import BaseModel

from app.sizing import approximate_bytes

UNBOUNDED = 1 << 40


class Row(BaseModel):
    slug: str
    values: list[float]


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    headers: tuple[tuple[str, str], ...]


def test_a_list_of_slugs_counts_every_slug() -> None:
    slugs = [f"project-{i:06d}" for i in range(10_000)]
    size = approximate_bytes(slugs, UNBOUNDED)
    assert size >= sys.getsizeof(slugs) + sum(sys.getsizeof(s) for s in slugs)


def test_a_long_dict_is_measured_from_a_sample_of_its_keys_and_values() -> None:
    counts = {f"country-{i:05d}": f"{i:08d}" * 4 for i in range(10_000)}
    exact = sys.getsizeof(counts) + sum(
        sys.getsizeof(k) + sys.getsizeof(v) for k, v in counts.items()
    )
    assert 0.9 * exact < approximate_bytes(counts, UNBOUNDED) < 1.1 * exact


def test_models_and_slotted_dataclasses_count_what_they_hold() -> None:
    row = Row(slug="x" * 10_000, values=[float(i) for i in range(1000)])
    assert approximate_bytes(row, UNBOUNDED) > 10_000 + 1000 * sys.getsizeof(1.0) // 2
    entry = Entry(body=b"b" * 50_000, headers=(("etag", "W/1"),))
    assert approximate_bytes(entry, UNBOUNDED) > 50_000


def test_the_walk_stops_once_past_the_limit() -> None:
    huge = [str(i) for i in range(1_000_000)]
    size = approximate_bytes(huge, 100_000)
    assert 100_000 < size < 100_000 + sys.getsizeof(huge) + 1000


def test_shared_objects_count_once() -> None:
    text = "y" * 100_000
    assert approximate_bytes([text] * 100, UNBOUNDED) < 2 * 100_000
