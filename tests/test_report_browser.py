"""The audit report in a real browser: headless Chromium (Debian's ``chromium``) opens the
file from disk, every section renders (and is screenshot on its own at desktop width), the
console stays clean, and it prints.

Chromium is driven over the DevTools protocol on ``--remote-debugging-pipe`` (fds 3/4,
NUL-terminated JSON) with the standard library only: no selenium, no websocket client.
Skipped when Chromium is absent on a developer machine; a failure on CI (``CI`` set),
where ``.ci/run`` installs it.
"""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.test_audit import make_inputs, raw_values, write_previous
from transforms.audit import build_audit
from transforms.report_html import SECTIONS, render_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--remote-debugging-pipe", "--window-size=1366,768",
    "--hide-scrollbars", "--force-device-scale-factor=1",
]


def require_chromium() -> None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = f"{CHROMIUM} not installed (Debian package 'chromium'; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}")
    pytest.skip(reason)


class DevTools:
    """Minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``."""

    def __init__(self, user_data_dir: Path) -> None:
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        # The child reads commands on fd 3 and writes replies/events on fd 4. Copy both
        # ends above 10 first so that placing one on 3 or 4 cannot clobber the other.
        def setup_fds() -> None:
            high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=setup_fds, pass_fds=(3, 4),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def send(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        want = self._id
        deadline = time.monotonic() + timeout
        while True:
            reply = self._next(deadline)
            if reply.get("id") == want:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            ev = self._next(deadline)
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def _next(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium over the DevTools pipe")
            ready, _, _ = select.select([self._r], [], [], left)
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe: "
                                       + self.proc.stderr.read().decode(errors="replace")[-2000:])
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.session = None
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - killed below anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)


def console_errors(events: list[dict]) -> list[str]:
    errors = []
    for ev in events:
        method, p = ev.get("method"), ev.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append(json.dumps(p.get("args"))[:300])
        elif method == "Runtime.exceptionThrown":
            errors.append(json.dumps(p.get("exceptionDetails"))[:300])
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            errors.append(p["entry"].get("text", "")[:300])
    return errors


SECTION_PROBE = """JSON.stringify([...document.querySelectorAll('main > section')].map(s => {
  const r = s.getBoundingClientRect();
  const t = s.querySelector('h2 + p.takeaway');
  return {id: s.id, title: s.querySelector('h2')?.textContent,
          takeaway: t ? t.textContent : null, height: r.height, width: r.width,
          tables: s.querySelectorAll('table').length,
          charts: [...s.querySelectorAll('svg')].map(g => g.getBoundingClientRect().height)};
}))"""


PRINT_PROBE = """JSON.stringify({
  nav: getComputedStyle(document.querySelector('nav')).display,
  sections: [...document.querySelectorAll('main > section')].filter(
    s => s.getBoundingClientRect().height > 60).length,
  overflow: document.documentElement.scrollWidth > window.innerWidth})"""


DESKTOP = {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False}
SECTION_RECTS = """JSON.stringify([...document.querySelectorAll('main > section')].map(s => {
  const r = s.getBoundingClientRect();
  return {id: s.id, x: r.left + window.scrollX, y: r.top + window.scrollY,
          width: r.width, height: r.height};
}))"""


def screenshot_sections(dt: DevTools) -> dict[str, tuple[dict, bytes]]:
    """Each section's own PNG at desktop width (1920 px): its box and the image."""
    dt.send("Emulation.setDeviceMetricsOverride", DESKTOP)
    rects = json.loads(dt.send("Runtime.evaluate", {
        "expression": SECTION_RECTS, "returnByValue": True})["result"]["value"])
    shots = {}
    for r in rects:
        clip = {"x": r["x"], "y": r["y"], "width": r["width"], "height": r["height"],
                "scale": 1}
        png = base64.b64decode(dt.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": clip})["data"])
        shots[r["id"]] = (r, png)
    dt.send("Emulation.setDeviceMetricsOverride",
            {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    return shots


def check_section_shots(shots: dict[str, tuple[dict, bytes]], folder: Path) -> None:
    """Every section drawn at desktop width: an image of its size, with real content.

    The PNGs are kept in ``folder`` (and copied to $CRM_GOLDEN_SCREENSHOTS when set) so a
    person can look at them.
    """
    assert list(shots) == [sid for sid, _ in SECTIONS]
    keep = os.environ.get("CRM_GOLDEN_SCREENSHOTS")
    for sid, (rect, png) in shots.items():
        path = folder / f"section_{sid}.png"
        path.write_bytes(png)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        with Image.open(io.BytesIO(png)) as img:
            assert abs(img.width - rect["width"]) <= 1, sid  # sub-pixel boxes round
            assert abs(img.height - rect["height"]) <= 1 and img.height > 60, sid
            assert 1000 < img.width <= 1920, sid  # main column at desktop width
            colors = img.convert("RGB").getcolors(maxcolors=1 << 16)
            assert colors is None or len(colors) > 20, f"section {sid} looks blank"


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    require_chromium()
    prev = write_previous(tmp_path)
    audit = build_audit(**make_inputs(tmp_path, previous_run=prev))
    report = tmp_path / "audit_report.html"
    report.write_text(render_report(audit), encoding="utf-8")

    dt = DevTools(tmp_path / "chromium-profile")
    try:
        page = next(t for t in dt.send("Target.getTargets")["targetInfos"]
                    if t["type"] == "page")
        dt.session = dt.send("Target.attachToTarget",
                             {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            dt.send(f"{domain}.enable")
        dt.send("Emulation.setDeviceMetricsOverride",
                {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
        dt.send("Page.navigate", {"url": report.as_uri()})
        dt.wait_event("Page.loadEventFired")
        sections = json.loads(dt.send("Runtime.evaluate", {
            "expression": SECTION_PROBE, "returnByValue": True})["result"]["value"])
        text = dt.send("Runtime.evaluate", {"expression": "document.body.innerText",
                                            "returnByValue": True})["result"]["value"]
        overflow = dt.send("Runtime.evaluate", {
            "expression": "document.documentElement.scrollWidth > window.innerWidth",
            "returnByValue": True})["result"]["value"]
        shot = base64.b64decode(dt.send("Page.captureScreenshot", {"format": "png"})["data"])
        metrics = dt.send("Page.getLayoutMetrics")["cssContentSize"]
        full = base64.b64decode(dt.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": metrics["width"], "height": metrics["height"],
                     "scale": 1}})["data"])
        pdf = base64.b64decode(dt.send("Page.printToPDF", {"printBackground": True},
                                       timeout=60)["data"])
        section_shots = screenshot_sections(dt)
        # Print stylesheet: navigation hidden, content still laid out, A4-ish width.
        dt.send("Emulation.setEmulatedMedia", {"media": "print"})
        dt.send("Emulation.setDeviceMetricsOverride",
                {"width": 794, "height": 1123, "deviceScaleFactor": 1, "mobile": False})
        printed = json.loads(dt.send("Runtime.evaluate", {
            "expression": PRINT_PROBE, "returnByValue": True})["result"]["value"])
        print_shot = base64.b64decode(dt.send("Page.captureScreenshot",
                                              {"format": "png"})["data"])
        time.sleep(0.2)  # let late console/log events arrive
        dt.send("Runtime.evaluate", {"expression": "1"})
        errors = console_errors(dt.events)
    finally:
        dt.close()

    (tmp_path / "report_viewport.png").write_bytes(shot)
    (tmp_path / "report_full.png").write_bytes(full)
    (tmp_path / "report.pdf").write_bytes(pdf)
    (tmp_path / "report_print.png").write_bytes(print_shot)

    check_section_shots(section_shots, tmp_path)
    assert not errors, f"console errors: {errors}"
    assert [s["id"] for s in sections] == [sid for sid, _ in SECTIONS]
    for s, (sid, title) in zip(sections, SECTIONS, strict=True):
        assert s["title"] == title
        assert s["takeaway"] == audit[sid]["takeaway"]
        assert s["height"] > 60 and s["tables"] >= 1, s
        assert all(h > 50 for h in s["charts"]), s  # inline SVG charts laid out
    assert not overflow, "the page scrolls sideways on a 1366 px laptop screen"
    for raw in raw_values():
        assert raw not in text
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000
    assert full[:8] == b"\x89PNG\r\n\x1a\n" and len(full) > len(shot)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
    assert printed["nav"] == "none" and printed["sections"] == len(SECTIONS)
    assert not printed["overflow"], "printed page wider than A4"
