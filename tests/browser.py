"""Pages as a reader's browser lays them out: headless Chromium, where the machine has it."""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

#: Measures, once the page has loaded, whether the page or any table's scroll box is wider than the window.
_SCRIPT = """<script>window.addEventListener('load', () => { setTimeout(() => {
const wide = [...document.querySelectorAll('.compendium-table-wrap')].filter(
  e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 2).map(
  e => e.scrollWidth + '/' + e.clientWidth + ' ' + (e.innerText || '').slice(0, 40).replace(/\\s+/g, ' '));
document.title = 'LAYOUT:' + JSON.stringify({page: document.documentElement.scrollWidth > window.innerWidth + 2,
                                             tables: wide});
}, 500); });</script>"""


def chromium():
    """The Chromium command on this machine, or ``None``."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def layout(page, width):
    """``{"page": bool, "tables": [...]}``: whether ``page`` is wider than a ``width``-pixel window, and the
    tables that need a scroll bar there (their scroll and client widths and first words)."""
    page = Path(page).resolve()
    probe = page.with_name("_layout_probe.html")
    probe.write_text(page.read_text().replace("</body>", _SCRIPT + "</body>"))
    profile = tempfile.mkdtemp()
    try:
        dom = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                              f"--window-size={width},2000", "--virtual-time-budget=5000", "--dump-dom",
                              probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    finally:
        probe.unlink()
        shutil.rmtree(profile, ignore_errors=True)
    found = re.search(r"<title>LAYOUT:(.*?)</title>", dom)
    assert found, f"no layout measured for {page}"
    return json.loads(found.group(1).replace("&quot;", '"'))
