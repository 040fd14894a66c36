"""Shannon entropy of a candidate secret, in bits per symbol."""

from __future__ import annotations

import math
from collections import Counter


def shannon_entropy(data: bytes | str) -> float:
    """Bits of entropy per byte (or, for text, per character) of ``data``
    (0.0 for empty input).

    Random base64 of 40 chars scores about 5; English words about 3; a hex
    digest about 3.7, which is why hex-looking rules set lower thresholds.
    """
    if not data:
        return 0.0
    n = len(data)
    return -sum((c / n) * math.log2(c / n) for c in Counter(data).values())
