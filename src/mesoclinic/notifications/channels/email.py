"""E-mail through Django's configured backend (SMTP in production, console or locmem in development)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME

from mesoclinic.clinical_codes.words import N_
from mesoclinic.notifications.channels import ChannelError


def send_email(*, to: str, subject: str, body: str, unsubscribe_url: str, reply_to: str = "") -> str:
    """Send one plain-text message; return its Message-ID (the "provider id" of e-mail).

    ``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058) lets mail clients offer the one-click
    opt-out themselves, by POST, which link scanners never do.
    """
    message_id = make_msgid(
        domain=str(DNS_NAME)
    )  # Django's cached host name: getfqdn per message is a DNS lookup
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(
            N_("The mail server refused the address: %(reason)s"), {"reason": str(exc)}, permanent=True
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(
            N_("The mail server could not be reached: %(reason)s"), {"reason": str(exc)}
        ) from None
    return message_id
