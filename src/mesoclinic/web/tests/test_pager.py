"""The shared pager keeps a list's search, filters and sorting, and drops a CSV request."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_it_links_the_next_page_with_the_filters_kept():
    request = RequestFactory().get("/inventory/", {"q": "HA 1%", "status": "expired", "page": "1"})
    page = Paginator(list(range(60)), 25).page(1)
    html = render_to_string("web/partials/_pager.html", {"page": page}, request=request)
    assert 'href="?q=HA+1%25&amp;status=expired&amp;page=2"' in html
    assert "Page 1 of 3" in html
    assert 'rel="prev"' not in html


def test_it_never_links_a_page_to_a_csv_download():
    request = RequestFactory().get("/vigilance/events/", {"severity": "mild", "format": "csv"})
    page = Paginator(list(range(60)), 25).page(2)
    html = render_to_string("web/partials/_pager.html", {"page": page}, request=request)
    assert "format" not in html
    assert 'href="?severity=mild&amp;page=1"' in html


def test_it_draws_nothing_for_a_single_page():
    request = RequestFactory().get("/patients/")
    page = Paginator(list(range(5)), 25).page(1)
    assert render_to_string("web/partials/_pager.html", {"page": page}, request=request).strip() == ""
