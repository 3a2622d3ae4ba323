"""Request rate limits counted with one cache round trip per request.

DRF's own throttles keep the timestamp of every request in the window as one cached
list, read and written whole by each request: two round trips and a list that grows
with the rate. A fixed-window counter costs one atomic increment. Its price: a client
may spend one window's allowance at the end of a window and the next at the start of
the following one, twice the rate for an instant, which a limit against abuse allows.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class FixedWindowScopedThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle``'s scopes and rates, counted per fixed window.

    Rates are read at request time, so a changed setting applies at once. A cache that
    does not answer lets the request through, as DRF's throttles do.
    """

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(str(self.scope))
        return None if rate is None else str(rate)

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        num_requests, duration = self.parse_rate(self.rate)
        if num_requests is None or duration is None:
            return True
        self.num_requests, self.duration = num_requests, duration
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // duration)
        self.window_ends = (window + 1) * duration
        count = self._count(f"{key}:{window}", duration)
        return count is None or count <= num_requests

    def wait(self) -> float:
        return max(1, math.ceil(self.window_ends - self.now))

    def _count(self, key: str, duration: int) -> int | None:
        try:
            return self.cache.incr(key)
        except ValueError:
            # The window's first request: start its counter (another may just have).
            if self.cache.add(key, 1, duration + 1):
                return 1
            try:
                return self.cache.incr(key)
            except ValueError:
                return None
