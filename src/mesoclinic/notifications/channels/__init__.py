"""Ways a message leaves the clinic: e-mail through Django's e-mail backends, SMS through a pluggable backend.

Each channel raises ``ChannelError`` with ``permanent`` set when retrying cannot help (a number the
provider rejects, an address the server refuses), so the delivery log retries only what may succeed.
"""

from __future__ import annotations


class ChannelError(Exception):
    """A message could not be handed over; ``permanent`` says whether a retry is pointless."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
