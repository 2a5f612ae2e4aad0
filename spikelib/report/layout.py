"""The built book as a reader's browser lays it out: what is cut off or runs off the screen, at 1300 and 390 px.

The page audit (:mod:`spikelib.report.audit`) reads the HTML; what CSS does to
it only a browser shows. Headless Chromium loads every page of a built book
in a frame of the width a reader has (a desktop's 1300 px, a phone's 390 px:
a frame, because Chromium will not make its own window narrower than 500 px)
and a script measures, on each page:

page wider than the window
    The page scrolls sideways (an element wider than the screen that is not
    inside a box of its own that scrolls); the widest culprits are named.
clipped
    A caption or a provenance line partly hidden by the box it sits in.
cut at the desktop width
    At 1300 px, a table or a cell's printed output that needs a scroll bar in
    its box: a reader on a desktop should not have to scroll to read it.
figure too small to read
    On the phone, a figure drawn at less than 60 % of its own width: its
    9-point type is then a few pixels high (a figure keeps its width and
    scrolls in its box instead).

``python -m spikelib.report.layout`` checks ``_build/html``; ``make book`` runs
it after the page audit where Chromium is installed.

Functions
---------
chromium
    The Chromium command on this machine, or ``None``.
check_book
    Every finding on every page, at every width.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import paths

__all__ = ["chromium", "check_book", "WIDTHS", "RULES"]

#: A desktop's and a phone's width, in CSS pixels.
WIDTHS = (1300, 390)
RULES = ("page wider than the window", "clipped", "cut at the desktop width", "figure too small to read")

_HOST = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="page" style="width:{width}px;height:4000px;border:0"></iframe>
<script>
const pages = {pages};
const width = {width};
const found = {{}};
function culprits(doc) {{
  const out = [];
  for (const el of doc.body.querySelectorAll('*')) {{
    const r = el.getBoundingClientRect();
    const right = Math.max(r.right, r.left + el.scrollWidth);  // a box, or the text that runs out of it
    if (right <= width + 2 || r.width === 0) continue;
    // the theme's drawers wait off the screen until a reader opens them
    if (el.closest('.bd-sidebar-secondary, .bd-sidebar-primary, .sidebar-secondary-items')) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    let boxed = false;  // inside an element that scrolls or clips sideways: its own box, not the page
    for (let a = el.parentElement; a && a !== doc.body; a = a.parentElement) {{
      const ox = getComputedStyle(a).overflowX;
      if ((ox === 'auto' || ox === 'scroll' || ox === 'hidden') && a.getBoundingClientRect().right <= width + 2) {{
        boxed = true; break;
      }}
    }}
    if (!boxed) out.push([Math.round(right), el.tagName.toLowerCase() + (el.className && typeof el.className
      === 'string' ? '.' + el.className.split(' ')[0] : ''), (el.innerText || '').slice(0, 50).replace(/\\s+/g, ' ')]);
  }}
  out.sort((a, b) => b[0] - a[0]);
  return out.filter(c => !out.some(o => o !== c && o[1] === c[1] && o[2] === c[2] && o[0] > c[0])).slice(0, 3);
}}
function clipped(doc) {{
  const out = [];
  for (const el of doc.querySelectorAll('p.provenance, figcaption, table caption, div.caption, p.caption')) {{
    const r = el.getBoundingClientRect();
    if (r.height === 0) continue;
    for (let a = el.parentElement; a && a !== doc.body; a = a.parentElement) {{
      const s = getComputedStyle(a);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const b = a.getBoundingClientRect();
      // a caption wider than the box it scrolls in is cut at the side (a table's caption on a phone)
      if (r.top < b.top - 1 || r.bottom > b.bottom + 1 || r.right > b.right + 1 || r.left < b.left - 1) {{
        out.push((el.innerText || '').slice(0, 60).replace(/\\s+/g, ' '));
      }}
      break;
    }}
  }}
  return out;
}}
function cut(doc) {{
  const out = [];
  for (const el of doc.querySelectorAll('.compendium-table-wrap, div.cell_output pre, div.output pre')) {{
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 2) {{
      out.push((el.innerText || '').slice(0, 60).replace(/\\s+/g, ' '));
    }}
  }}
  return out;
}}
function shrunk(doc) {{
  const out = [];
  for (const img of doc.querySelectorAll('.bd-article img')) {{
    const shown = img.getBoundingClientRect().width;
    if (img.naturalWidth > 500 && shown > 0 && shown < 0.6 * img.naturalWidth) {{
      out.push((img.getAttribute('alt') || img.getAttribute('src') || '').split('/').pop().slice(0, 24)
               + ' at ' + Math.round(100 * shown / img.naturalWidth) + ' %');
    }}
  }}
  return out;
}}
function next(i) {{
  if (i >= pages.length) {{ document.title = 'LAYOUT:' + JSON.stringify(found); return; }}
  const frame = document.getElementById('page');
  frame.onload = () => setTimeout(() => {{
    const doc = frame.contentDocument;
    const result = {{}};
    if (doc.documentElement.scrollWidth > width + 2) {{
      const named = culprits(doc);
      result['page wider than the window'] = named.length ? named :
        [[doc.documentElement.scrollWidth, 'the page', 'no single element to name']];
    }}
    const hidden = clipped(doc);
    if (hidden.length) result['clipped'] = hidden;
    if (width >= 1000) {{ const wide = cut(doc); if (wide.length) result['cut at the desktop width'] = wide; }}
    else {{ const small = shrunk(doc); if (small.length) result['figure too small to read'] = small; }}
    found[pages[i]] = result;
    next(i + 1);
  }}, 300);
  frame.src = pages[i];
}}
next(0);
</script></body></html>"""


def chromium():
    """The Chromium command on this machine, or ``None``."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _pages(html_folder):
    skip = ("_static", "genindex", "search", "py-modindex", "_sources", "_layout")
    return sorted(p.relative_to(html_folder).as_posix() for p in Path(html_folder).rglob("*.html")
                  if not p.relative_to(html_folder).as_posix().startswith(skip))


def check_book(html_folder=None, widths=WIDTHS, pages=None):
    """Every layout finding of a built book: ``[(page, width, rule, detail)]``.

    Raises
    ------
    RuntimeError
        If Chromium is not installed, or measured nothing.
    """
    html_folder = Path(html_folder or paths.BUILD_HTML)
    command = chromium()
    if command is None:
        raise RuntimeError("Chromium is not installed here; the layout check needs it (apt-get install chromium).")
    pages = list(pages or _pages(html_folder))
    findings = []
    for width in widths:
        host = html_folder / f"_layout_{width}.html"
        host.write_text(_HOST.format(pages=json.dumps(pages), width=width))
        profile = tempfile.mkdtemp()
        try:
            dom = subprocess.run([command, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                  "--allow-file-access-from-files", f"--user-data-dir={profile}",
                                  "--window-size=1400,1000", f"--virtual-time-budget={2000 + 1500 * len(pages)}",
                                  "--dump-dom", host.as_uri()], capture_output=True, text=True,
                                 timeout=60 + 10 * len(pages)).stdout
        finally:
            host.unlink(missing_ok=True)
            shutil.rmtree(profile, ignore_errors=True)
        start = dom.find("<title>LAYOUT:")
        if start < 0:
            raise RuntimeError(f"Chromium measured no page at {width} px.")
        text = dom[start + len("<title>LAYOUT:"): dom.find("</title>", start)]
        measured = json.loads(text.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                              .replace("&gt;", ">"))
        for page, result in measured.items():
            for rule, details in result.items():
                for detail in details:
                    findings.append((page, width, rule, detail if isinstance(detail, str) else
                                     f"{detail[1]} to {detail[0]} px: {detail[2]}"))
    return findings


def main(argv=None):
    findings = check_book(argv[0] if argv else None)
    for page, width, rule, detail in findings:
        print(f"  layout: {page} at {width} px: {rule}: {detail}")
    print(f"layout: {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
