"""The login history of GitHub users, kept up to date cheaply while rows are imported.

A user_id keeps its login almost always, so the store records a pair `(user_id, login)` once,
and tracks the span of days of each login only for the few users who have had several: that
span is what picks a user's display login (the login of its latest day, METRICS.md
section 1). A daily import then writes nothing for the users it has seen before.

When a second login appears for a user, every day the store holds for that user so far
belongs to the first login: one query over the store gives its span.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from operator import ne

from enrich.store import Store


class LoginBook:
    def __init__(self, store: Store):
        self.store = store
        #: user_id -> its only login, for users with one login
        self.single: dict[int, str] = {}
        #: (user_id, login) -> [first_day, last_day], for users with several logins
        self.spans: dict[tuple[int, str], list[int]] = {}
        for uid, login, first, last in store.login_rows():
            if first is None:
                self.single[uid] = login
            else:
                self.spans[(uid, login)] = [first, last]
        self.multi = {uid for uid, _ in self.spans}
        self._new: list[tuple[int, str]] = []
        self._changed: set[tuple[int, str]] = set()

    def see(self, columns: Sequence[tuple[int, Sequence[int], Sequence[str]]]) -> None:
        """Note the rows of a batch not yet in the store, as `(day, user_ids, logins)`."""
        single, multi = self.single, self.multi
        renamed: dict[int, str] = {}
        for day, user_ids, logins in columns:
            # most users are known by the same login: find the others at C speed
            for i in compress(range(len(user_ids)), map(ne, map(single.get, user_ids), logins)):
                uid, login = user_ids[i], logins[i]
                known = single.get(uid)
                if known is None and uid not in multi:
                    single[uid] = login
                    self._new.append((uid, login))
                elif uid in multi:
                    self._widen(uid, login, day)
                else:
                    renamed[uid] = known
        if renamed:
            self._start_tracking(renamed, columns)

    def _widen(self, uid: int, login: str, day: int) -> None:
        span = self.spans.get((uid, login))
        if span is None:
            self.spans[(uid, login)] = [day, day]
        elif day < span[0]:
            span[0] = day
        elif day > span[1]:
            span[1] = day
        else:
            return
        self._changed.add((uid, login))

    def _start_tracking(self, renamed: dict[int, str], columns) -> None:
        """Users seen with a second login: their earlier days belong to the first one."""
        for uid, (first, last) in self.store.user_spans(renamed).items():
            self._widen(uid, renamed[uid], first)
            self._widen(uid, renamed[uid], last)
        for uid in renamed:
            del self.single[uid]
            self.multi.add(uid)
        for day, user_ids, logins in columns:
            for uid, login in zip(user_ids, logins, strict=True):
                if uid in renamed:
                    self._widen(uid, login, day)

    def save(self) -> None:
        """Write what changed, inside the caller's transaction."""
        self.store.add_logins(self._new, {key: self.spans[key] for key in self._changed})
        self._new, self._changed = [], set()

    def forget(self) -> None:
        """Drop what a rolled-back file taught: reload from the store."""
        self.__init__(self.store)
