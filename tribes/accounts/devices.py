"""A session's browser and system in words ("Firefox on Android") instead of its User-Agent
header, for the sessions list in the settings."""

from __future__ import annotations

import re

from tribes.i18n import _

#: (pattern, name), first match wins: Edge and Opera also say Chrome, Chrome also says Safari
BROWSERS = [
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"), (re.compile(r"\b(OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"), (re.compile(r"\b(Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\b(HeadlessChrome|Chrome|Chromium|CriOS)/"), "Chrome"), (re.compile(r"\bVersion/[\d.]+.*Safari/"), "Safari"),
]
SYSTEMS = [
    (re.compile(r"\biPhone\b"), "iPhone"), (re.compile(r"\biPad\b"), "iPad"), (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"), (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bMac OS X\b|\bMacintosh\b"), "macOS"), (re.compile(r"\bLinux\b"), "Linux"),
]
#: longer headers are cut to this many characters when no browser is recognised
RAW_SHOWN = 60


def device_name(user_agent: str | None) -> str:
    """'Chrome on Linux', 'Firefox', 'Android'; the header itself (shortened) for anything else."""
    agent = user_agent or ""
    browser = next((name for pattern, name in BROWSERS if pattern.search(agent)), None)
    system = next((name for pattern, name in SYSTEMS if pattern.search(agent)), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or system or ""
    if not agent:
        return _("Unknown browser")
    return agent if len(agent) <= RAW_SHOWN else agent[:RAW_SHOWN - 1] + "…"
