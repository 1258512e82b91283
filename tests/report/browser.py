"""Headless Chromium (Debian's ``chromium`` package): render a page, dump its DOM, take a
screenshot, and record every request it makes in a NetLog."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # Any host name resolves to nothing: a request that slips through cannot leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # The page's console messages (errors, blocked loads) go to stderr as "...:CONSOLE..." lines.
    "--enable-logging=stderr",
    "--v=0",
)


@dataclass(frozen=True)
class Rendering:
    dom: str
    console: list[str]
    page_requests: list[str]
    screenshot: Path


def _read_netlog(path: Path) -> dict[str, Any]:
    text = path.read_text()
    try:
        return dict(json.loads(text))
    except ValueError:
        # A NetLog cut short at exit lacks its closing brackets.
        return dict(json.loads(text.rstrip().rstrip(",") + "]}"))


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked the network stack for.

    Chromium's own background requests (update and time checks) carry a network isolation key
    of no site or of google.com; a page opened from a file carries ``file://``. Loads of
    ``file:`` and ``data:`` URLs never reach the network stack.
    """
    log = _read_netlog(netlog)
    kinds = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        started = kinds.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in params
        if started and "file://" in str(params.get("network_isolation_key", "")):
            urls.append(str(params["url"]))
    return urls


def render(page: Path, folder: Path, width: int = 1200, height: int = 2400) -> Rendering:
    """Opens ``page`` in headless Chromium with a fresh profile under ``folder``."""
    screenshot = folder / "screenshot.png"
    netlog = folder / "netlog.json"
    command = [
        str(CHROMIUM),
        *FLAGS,
        f"--user-data-dir={folder / 'profile'}",
        f"--log-net-log={netlog}",
        f"--window-size={width},{height}",
        f"--screenshot={screenshot}",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited with {done.returncode}:\n{done.stderr[-3000:]}")
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Rendering(done.stdout, console, page_requests(netlog), screenshot)
