"""The signature scheme and the retry spacing (pure functions)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.webhooks.signing import SignatureError, backoff_seconds, sign, verify

SECRET = "whsec_test"


def test_it_signs_the_timestamp_and_the_body():
    header = sign(SECRET, 1_700_000_000, b'{"a":1}')
    expected = hmac.new(SECRET.encode(), b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


@given(body=st.binary(), t=st.integers(min_value=0, max_value=2**40))
def test_a_signed_body_verifies(body, t):
    assert verify(SECRET, sign(SECRET, t, body), body, now=t) == t


def test_it_refuses_a_changed_body_another_secret_and_a_stale_time():
    header = sign(SECRET, 1000, b"body")
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, header, b"bodY", now=1000)
    with pytest.raises(SignatureError, match="does not match"):
        verify("whsec_other", header, b"body", now=1000)
    with pytest.raises(SignatureError, match="too old"):
        verify(SECRET, header, b"body", now=1000 + 301)
    with pytest.raises(SignatureError, match="no timestamp"):
        verify(SECRET, "v1=abc", b"body", now=1000)


def test_it_accepts_any_of_several_v1_signatures():
    good = sign(SECRET, 5, b"x").split(",")[1]
    assert verify(SECRET, f"t=5,v1=deadbeef,{good}", b"x", now=5) == 5


def test_retries_wait_twice_as_long_each_time_up_to_the_cap():
    assert [backoff_seconds(n, base=30, cap=300) for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert backoff_seconds(10_000, base=30, cap=3600) == 3600
    with pytest.raises(ValueError, match="from 1"):
        backoff_seconds(0, base=30, cap=300)
