"""A consent's drawn signature: checked and re-encoded before it is kept (no Django here).

The tablet's signature pad posts a PNG as a ``data:`` URL. What is kept is a fresh PNG of its pixels, never
the uploaded bytes: nothing else the file may carry (metadata, extra chunks) reaches the record.
"""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, ImageChops, UnidentifiedImageError

from mesoclinic.clinical_codes.words import N_

MAX_BYTES = 400_000
MIN_SIZE = (100, 40)
MAX_SIZE = (2400, 1200)
MIN_INK_PIXELS = 40
DATA_URL_PREFIX = "data:image/png;base64,"


class SignatureError(ValueError):
    """The signature cannot be kept; the message says why, in words for the person signing (English, marked
    ``N_``: the Django layer shows ``gettext(str(error))``)."""


def decode_data_url(text: str) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,...`` URL (or of bare base64); ``b""`` for an empty text."""
    text = text.strip()
    if not text:
        return b""
    if text.startswith("data:") and not text.startswith(DATA_URL_PREFIX):
        raise SignatureError(N_("The signature must be a PNG image."))
    payload = text.removeprefix(DATA_URL_PREFIX)
    if len(payload) > MAX_BYTES * 4 // 3 + 4:
        raise SignatureError(N_("The signature image is too large."))
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(N_("The signature could not be read; clear it and sign again.")) from None


def clean_signature(data: bytes) -> bytes:
    """A re-encoded PNG of the drawn signature, or ``SignatureError`` if it is not one (or is blank).

    Parameters
    ----------
    data : bytes
        The PNG the signature pad made (dark strokes on a transparent or white background).

    Returns
    -------
    bytes
        A new PNG (RGBA) of the same pixels.
    """
    if len(data) > MAX_BYTES:
        raise SignatureError(N_("The signature image is too large."))
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError):
        raise SignatureError(N_("The signature must be a PNG image.")) from None
    if image.format != "PNG":
        raise SignatureError(N_("The signature must be a PNG image."))
    width, height = image.size
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise SignatureError(N_("The signature image has an unexpected size."))
    try:
        pixels = image.convert("RGBA")
    except (OSError, ValueError):
        raise SignatureError(N_("The signature could not be read; clear it and sign again.")) from None
    # Ink: a visible pixel clearly darker than paper.
    dark = pixels.convert("L").point(lambda v: 255 if v < 160 else 0)
    visible = pixels.getchannel("A").point(lambda v: 255 if v > 64 else 0)
    ink = ImageChops.multiply(dark, visible).histogram()[255]
    if ink < MIN_INK_PIXELS:
        raise SignatureError(
            N_("The signature is empty: sign in the box, or leave it for a paper signature.")
        )
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()
