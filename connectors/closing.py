"""`Closing`: what a `with` block does for every client c2arm holds (close it on the way out)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Self


class Closing(ABC):
    """A `with` block gives the object itself and calls its `close()` on the way out."""

    @abstractmethod
    def close(self) -> None:
        """Release what the object holds (connections, SDK clients)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
