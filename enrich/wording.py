"""Counts with their nouns, as what enrich prints reads them: "1 person", "2 people"."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and its noun, singular for exactly one; `plural` for a noun that does not
    take an s. Large counts are grouped by thousands (12,345)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
