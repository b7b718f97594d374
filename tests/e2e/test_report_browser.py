"""The quick report opened in headless Chromium: every <img> loads (naturalWidth > 0), the page logs no
console error, and a screenshot is kept in $NEUROTHEORY_ARTIFACTS (default: a temporary folder).

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended
by NUL on file descriptors 3 and 4), with the standard library only."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

CLI = os.environ.get("NEUROTHEORY_CLI")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class DevTools:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, binary: str, profile: str):
        # Chromium's own log goes to a file: a full pipe would stall it.
        self._log_path = os.path.join(profile + "-chromium.log")
        self._log = open(self._log_path, "wb")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire():  # in the child: the pipe ends become fds 3 (Chromium reads) and 4 (it writes)
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--hide-scrollbars", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log,
            pass_fds=(3, 4), preexec_fn=wire)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the debugging pipe: " + self._stderr())
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _stderr(self) -> str:
        try:
            with open(self._log_path, "rb") as f:
                return f.read()[-4000:].decode(errors="replace")
        except OSError:  # pragma: no cover
            return ""

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read_message(deadline)
            if e.get("method") == method:
                return e
            self.events.append(e)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()


def console_errors(events: list[dict]) -> list[str]:
    errors = []
    for e in events:
        method, p = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console." + p["type"] + ": " + " ".join(str(a.get("value", a.get("description")))
                                                                  for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            errors.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            errors.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
    return errors


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    if not CLI:
        pytest.skip("NEUROTHEORY_CLI is not set (CTest sets it to the built neurotheory binary)")
    out = tmp_path_factory.mktemp("browser_report")
    proc = subprocess.run([CLI, "reproduce", "--quick", "--out", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.html").is_file()
    return out


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_report_renders_in_chromium(report_dir, tmp_path):
    artifacts = Path(os.environ.get("NEUROTHEORY_ARTIFACTS") or tempfile.mkdtemp(prefix="neurotheory-artifacts-"))
    artifacts.mkdir(parents=True, exist_ok=True)
    browser = DevTools(CHROMIUM, str(tmp_path / "profile"))
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.call(domain + ".enable", session=session)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 4000, "deviceScaleFactor": 1, "mobile": False}, session=session)
        url = (report_dir / "index.html").resolve().as_uri()
        nav = browser.call("Page.navigate", {"url": url}, session=session)
        assert "errorText" not in nav, nav
        browser.wait_for("Page.loadEventFired", timeout=60)
        browser.drain(0.5)  # late console messages
        result = browser.call("Runtime.evaluate", {
            "expression": "JSON.stringify(Array.from(document.images).map(i => ({src: i.getAttribute('src'), "
                          "complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})))",
            "returnByValue": True}, session=session)
        images = json.loads(result["result"]["value"])
        title = browser.call("Runtime.evaluate", {"expression": "document.title", "returnByValue": True},
                             session=session)["result"]["value"]
        shot = browser.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False},
                            session=session)
        screenshot = artifacts / "report_quick.png"
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        errors = console_errors(browser.events)
    finally:
        browser.close()

    print(f"screenshot: {screenshot}")
    assert "neurotheory" in title
    assert len(images) == 19, images
    for img in images:
        assert img["complete"] and img["width"] > 0 and img["height"] > 0, f"image did not load: {img}"
    assert errors == [], "console errors:\n" + "\n".join(errors)
    assert screenshot.stat().st_size > 50_000
