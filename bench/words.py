"""How long the word-list check takes per comment with 5,000 entries.

Run: .venv/bin/python bench/words.py
"""

import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from comments.words import Matcher


def main(entries: int = 5000, comments: int = 2000) -> None:
    rng = random.Random(7)

    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10)))

    listed = [
        (word() if i % 10 else f"{word()} {word()}", "reject" if i % 3 else "hold")
        for i in range(entries)
    ]
    started = time.perf_counter()
    matcher = Matcher.build(listed)
    built = time.perf_counter() - started
    texts = [" ".join(word() for _ in range(120)) for _ in range(comments)]  # ~120-word comments
    started = time.perf_counter()
    for text in texts:
        matcher.find(text, "reject")
        matcher.find(text, "hold")
    per_comment = (time.perf_counter() - started) / comments
    print(f"entries            {entries}")
    print(f"build matcher      {built * 1000:.1f} ms (once per process per list change)")
    print(f"check per comment  {per_comment * 1e6:.0f} µs (both lists, 120-word comment)")


if __name__ == "__main__":
    main()
