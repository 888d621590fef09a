"""A bounded, time-limited memory of event ids already handled."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class SeenEvents:
    """Answers "is this the first time?" for event ids; thread-safe, bounded by size and age."""

    def __init__(
        self,
        *,
        ttl_seconds: float = 3600.0,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if now - at < self._ttl and len(self._seen) < self._max:
                    break
                del self._seen[oldest]
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            return True

    def __len__(self) -> int:
        return len(self._seen)
