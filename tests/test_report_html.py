"""Audit report HTML: every figure shown is in the audit JSON, nothing personal leaks,
every section renders with a takeaway, the page needs no network, and the templates ship
with the package."""

from __future__ import annotations

import json
import re
import tomllib
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import pytest
from jinja2 import Environment, PackageLoader

from tests.test_audit import make_inputs, raw_values, sparse_inputs, write_previous
from transforms.audit import build_audit
from transforms.report_html import SECTIONS, render_report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    tmp_path = tmp_path_factory.mktemp("audit")
    prev = write_previous(tmp_path)
    audit = build_audit(**make_inputs(tmp_path, previous_run=prev))
    return audit, render_report(audit)


# --------------------------------------------------------------------------- HTML parsing


class Cells(HTMLParser):
    """Collects numeric table cells, section ids, takeaways and resource references."""

    def __init__(self) -> None:
        super().__init__()
        self.num_cells: list[str] = []
        self.sections: list[str] = []
        self.takeaways: dict[str, str] = {}
        self.first_after_h2: dict[str, str] = {}
        self.tags: list[tuple[str, dict]] = []
        self._num = False
        self._take: str | None = None
        self._section: str | None = None
        self._h2_done = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "section":
            self._section = a.get("id")
            self.sections.append(a.get("id"))
            self._h2_done = False
        elif tag == "td" and "num" in (a.get("class") or "").split():
            self._num = True
            self.num_cells.append("")
        elif tag == "p" and "data-takeaway" in a:
            self._take = a["data-takeaway"]
            self.takeaways[self._take] = ""
        if self._section and self._h2_done and self._section not in self.first_after_h2:
            self.first_after_h2[self._section] = a.get("class", "") or tag
        if tag == "h2":
            self._h2_done = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._num = False
        elif tag == "p":
            self._take = None
        elif tag == "h2":
            self._h2_done = True

    def handle_data(self, data: str) -> None:
        if self._num:
            self.num_cells[-1] += data
        if self._take:
            self.takeaways[self._take] += data


def parse(html: str) -> Cells:
    p = Cells()
    p.feed(html)
    return p


def json_numbers(obj: object) -> list[float]:
    out: list[float] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str) and re.fullmatch(r"-?\d+(\.\d+)?", k):
                out.append(float(k))
            out += json_numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            out += json_numbers(v)
    elif isinstance(obj, bool):
        pass
    elif isinstance(obj, int | float):
        out.append(float(obj))
    return out


def shown_value(text: str) -> tuple[float, float] | None:
    """(value, tolerance) of a displayed number, e.g. '12,345' '95.2%' '1.234e-05'."""
    t = text.strip().replace(",", "").replace("\u2212", "-")
    if t in ("", "–"):
        return None
    pct = t.endswith("%")
    t = t.rstrip("%")
    value = float(t)
    if "e" in t.lower():
        mant = t.lower().split("e")[0]
        digits = len(mant.split(".")[1]) if "." in mant else 0
        tol = abs(value) * 0.5 * 10 ** -digits * 1.01
    else:
        digits = len(t.split(".")[1]) if "." in t else 0
        tol = 0.5 * 10 ** -digits * 1.0001
    if pct:
        return value / 100, tol / 100
    return value, tol


# --------------------------------------------------------------------------- tests


def test_every_number_in_the_html_tables_is_in_the_json(built: tuple[dict, str]) -> None:
    audit, html = built
    numbers = json_numbers(audit)
    cells = parse(html).num_cells
    assert len(cells) > 150  # the report really shows tables of figures
    missing = []
    for text in cells:
        shown = shown_value(text)
        if shown is None:
            continue
        value, tol = shown
        if not any(abs(value - n) <= tol for n in numbers):
            missing.append(text)
    assert not missing, f"figures shown but absent from audit.json: {missing}"



def test_no_raw_personal_data_in_html(built: tuple[dict, str]) -> None:
    _, html = built
    for raw in raw_values():
        assert raw not in html, f"raw personal value {raw!r} leaked into html"


def test_masked_samples_are_shown(built: tuple[dict, str]) -> None:
    _, html = built
    assert "j***@gm***.con" in html
    assert "J*** G*** P***" in html and "+34 6** *** *78" in html


def test_each_section_exists_with_a_takeaway_first(built: tuple[dict, str]) -> None:
    audit, html = built
    p = parse(html)
    assert p.sections == [sid for sid, _ in SECTIONS]
    for sid, _ in SECTIONS:
        assert p.takeaways[sid].strip() == audit[sid]["takeaway"]
        assert len(audit[sid]["takeaway"]) > 20
        assert p.first_after_h2[sid].startswith("takeaway")



def test_self_contained_no_network_no_script(built: tuple[dict, str]) -> None:
    _, html = built
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower() and "@import" not in html
    for tag, attrs in parse(html).tags:
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        for key in ("src", "href", "xlink:href"):
            if key in attrs:
                assert attrs[key].startswith("#"), (tag, attrs[key])
    for url in re.findall(r"url\(([^)]*)\)", html):
        assert url.startswith("#"), url
    assert html.count("<svg") == 4  # stages, rows, weight histogram, cluster sizes
    assert "@media print" in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate element ids across inline charts"



def test_quality_heat_map_is_inline(built: tuple[dict, str]) -> None:
    _, html = built
    assert "background:hsl(" in html  # heat-map coloring is inline


def test_band_thresholds_are_drawn_on_the_histogram(built: tuple[dict, str]) -> None:
    _, html = built
    assert "auto-match ≥ 10" in html and "review ≥ 4" in html  # thresholds drawn on the chart


def test_rerender_from_json_is_identical(built: tuple[dict, str]) -> None:
    audit, html = built
    again = json.loads(json.dumps(audit, allow_nan=False))
    assert render_report(again) == html



def test_tolerates_missing_metrics(tmp_path: Path) -> None:
    html = render_report(build_audit(**sparse_inputs(tmp_path)))
    assert all(f'id="{sid}"' in html for sid, _ in SECTIONS)


def test_templates_load_through_the_package_loader() -> None:
    """An installed (non-editable) package renders too: the templates are package data."""
    env = Environment(loader=PackageLoader("transforms", "templates"), autoescape=True)
    names = env.list_templates()
    assert "audit_report.html.j2" in names
    assert {f"sections/{sid}.html.j2" for sid, _ in SECTIONS} <= set(names)
    for name in names:
        env.get_template(name)  # every template parses
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml")
                              .read_text(encoding="utf-8"))
    shipped = pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert all(any(fnmatch(PurePosixPath(n).name, p) for p in shipped) for n in names)


def test_an_audit_from_before_the_privacy_section_still_renders(
        built: tuple[dict, str]) -> None:
    audit = {k: v for k, v in built[0].items() if k != "privacy"}
    html = render_report(audit)
    assert 'id="privacy"' not in html and 'id="warnings"' in html
    assert 'id="privacy"' in built[1] and "Suppressed: erased people" not in built[1]
