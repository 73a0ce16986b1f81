"""Ways a message leaves the clinic: e-mail through Django's e-mail backends, SMS through a pluggable backend.

Each channel raises ``ChannelError`` with ``permanent`` set when retrying cannot help (a number the
provider rejects, an address the server refuses), so the delivery log retries only what may succeed.
"""

from __future__ import annotations

from mesoclinic.clinical_codes.words import WordedError


class ChannelError(WordedError):
    """A message could not be handed over; ``permanent`` says whether a retry is pointless.

    The reason is an English template marked ``N_`` with its values (``str``: English), kept on the delivery
    log so that each reader sees it in their own language."""

    def __init__(
        self, template: str, params: dict[str, object] | None = None, *, permanent: bool = False
    ) -> None:
        super().__init__(template, params)
        self.permanent = permanent
