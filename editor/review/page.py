"""The review page as HTML: one file, CSS and script inline, pictures beside it, no network.

The skeleton, style sheet and script are package data (``templates/``); this module fills them
with escaped text. Every picture has an alt text, the slider is a real ``<input type=range>``
with a label (arrow keys, Home/End, Page Up/Down work natively), and a Content-Security-Policy
forbids the page from loading anything but its own files.
"""

from __future__ import annotations

import datetime as _dt
from html import escape
from importlib import resources
from string import Template

from editor.review.model import AcrossRow, CropView, Picture, ProjectView, ReviewPage


def _template(name: str) -> str:
    return resources.files("editor.review").joinpath("templates", name).read_text(encoding="utf-8")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _img(p: Picture, cls: str = "", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (f'<img{c} src="{_e(p.src)}" width="{p.width}" height="{p.height}" '
            f'alt="{_e(p.alt)}"{extra}>')


def _zoomable(p: Picture, title: str, caption: str) -> str:
    return (f'<figure><button type="button" class="zoomable" data-title="{_e(title)}" '
            f'aria-label="Open at 100 %: {_e(p.alt)}">{_img(p)}</button>'
            f'<figcaption>{_e(caption)} ({p.width}×{p.height} px, 100 %)</figcaption></figure>')


def _markers(project: ProjectView) -> str:
    out = []
    for c in project.crops:
        x, y, w, h = c.marker
        cls = "marker pin" if c.kind == "pin" else "marker"
        size = "" if c.kind == "pin" else f" width:{w:.3f}%; height:{h:.3f}%;"
        out.append(f'<span class="{cls}" style="left:{x:.3f}%; top:{y:.3f}%;{size}">'
                   f'<a href="#{project.anchor}-note-{c.number}" aria-label="Note {c.number}: '
                   f'{_e(c.text)}">{c.number}</a></span>')
    return "".join(out)


def _slider(p: ProjectView) -> str:
    a = p.anchor
    grid_img = ""
    grid_button = ""
    if p.grid is not None:
        grid_img = _img(p.grid, "ba-grid", " hidden")
        grid_button = ('<button type="button" class="grid-toggle" aria-pressed="false">'
                       'RA/Dec grid</button>')
    # As wide as the column allows, up to twice the picture's pixels and 75 % of the window's
    # height; the controls take the picture's width.
    width = f"min(100%, {2 * p.after.width}px, calc(75vh * {p.after.width / p.after.height:.5f}))"
    return f"""<figure class="ba" data-ba data-before="{_e(p.before_label)}" data-after="{_e(p.after_label)}" style="width: {width}">
<div class="ba-frame" id="{a}-frame">
{_img(p.after, "ba-after")}
<div class="ba-clip" style="clip-path: inset(0 50% 0 0)">{_img(p.before, "ba-before")}</div>
{grid_img}<div class="ba-divider" aria-hidden="true"></div>
<span class="ba-label before" aria-hidden="true">{_e(p.before_label)}</span><span class="ba-label after" aria-hidden="true">{_e(p.after_label)}</span>
{_markers(p)}
</div>
<div class="controls">
<label for="{a}-range"><span class="nowrap">Before / after</span>
<input type="range" class="ba-range" id="{a}-range" min="0" max="100" step="0.1" value="50" aria-describedby="{a}-cap"></label>
{grid_button}
</div>
<figcaption class="ba-caption" id="{a}-cap">Left of the line: {_e(p.before_label)}; right: {_e(p.after_label)}. Drag on the picture or use the slider (arrow keys move it). {_e(p.stretch_note)}</figcaption>
</figure>"""


def _capture(p: ProjectView) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in p.capture.rows())
    plate = f"<dt>Plate solution</dt><dd>{_e(p.plate)}</dd>" if p.plate else ""
    return f'<div><h3>Capture details</h3><dl class="capture">{rows}{plate}</dl></div>'


def _steps(p: ProjectView) -> str:
    items = []
    for s in p.steps:
        indent = f' style="margin-left:{1.2 * s.depth:.1f}em"' if s.depth else ""
        extra = f" <span class=\"small\">({_e(s.extras)})</span>" if s.extras else ""
        items.append(f'<li{indent}><span class="step-name">{_e(s.name)}</span>: {_e(s.action)}'
                     f" — {_e(s.settings)}{extra}</li>")
    body = "".join(items) or "<li>No visible layers.</li>"
    return (f'<div><h3>Processing steps <span class="small">(layers, bottom to top; '
            f'state "{_e(p.after_label)}")</span></h3><ol class="steps">{body}</ol></div>')


def _crop(p: ProjectView, c: CropView) -> str:
    x, y, w, h = c.region
    where = f"{w}×{h} px at ({x}, {y})" + (f"; {c.sky}" if c.sky else "")
    kind = "Pin" if c.kind == "pin" else "Rectangle"
    title = f"Note {c.number}: {c.text}" if c.text else f"Note {c.number}"
    return f"""<article class="crop" id="{p.anchor}-note-{c.number}" aria-labelledby="{p.anchor}-note-{c.number}-h">
<h4 id="{p.anchor}-note-{c.number}-h" class="note-text">{c.number}. {_e(c.text) or "<em>(no text)</em>"}</h4>
<p class="note-meta">{kind}; crop {_e(where)}</p>
<div class="pair">
{_zoomable(c.before, title + " — " + p.before_label, p.before_label)}
{_zoomable(c.after, title + " — " + p.after_label, p.after_label)}
</div>
<div class="blink" data-blink>
<div class="controls"><button type="button" class="blink-swap" aria-pressed="false">Swap {_e(p.before_label)} / {_e(p.after_label)}</button>
<button type="button" class="blink-auto" aria-pressed="false">Blink</button>
<span class="blink-state small" aria-live="polite"></span></div>
<div class="stack">{_img(c.before, "a", f' data-label="{_e(p.before_label)}"')}{_img(c.after, "b", f' data-label="{_e(p.after_label)}" hidden')}</div>
</div>
</article>"""


def _project(p: ProjectView) -> str:
    crops = "".join(_crop(p, c) for c in p.crops)
    crops_block = (f"<h3>Notes and 100 % crops</h3>{crops}" if crops
                   else '<p class="small">No review notes in this project.</p>')
    return f"""<section class="project" id="{p.anchor}" aria-labelledby="{p.anchor}-h">
<h2 id="{p.anchor}-h">{_e(p.name)}</h2>
{_slider(p)}
<div class="facts">{_capture(p)}{_steps(p)}</div>
{crops_block}
</section>"""


def _across(rows: list[AcrossRow]) -> str:
    if not rows:
        return ""
    parts = []
    for i, row in enumerate(rows, start=1):
        cells = []
        for name, pic in row.cells:
            if pic is None:
                cells.append(f'<figure><div class="missing">Not on {_e(name)}\'s picture</div>'
                              f"<figcaption>{_e(name)}</figcaption></figure>")
            else:
                cells.append(_zoomable(pic, f"{row.title} — {name}", name))
        parts.append(f'<article class="crop" id="across-{i}"><h3 class="note-text">{_e(row.title)}</h3>'
                     f'<div class="row">{"".join(cells)}</div></article>')
    return (f'<section class="across" id="across" aria-labelledby="across-h"><h2 id="across-h">'
            f"The same places in every version</h2>{''.join(parts)}</section>")


def render_html(page: ReviewPage, version: str) -> str:
    """The complete index.html for ``page``."""
    nav = ""
    if len(page.projects) > 1:
        links = "".join(f'<li><a href="#{p.anchor}">{_e(p.name)}</a></li>' for p in page.projects)
        if page.across:
            links += '<li><a href="#across">Same places compared</a></li>'
        nav = f'<nav aria-label="Projects"><ul>{links}</ul></nav>'
    body = "".join(_project(p) for p in page.projects) + _across(page.across)
    return Template(_template("page.html")).substitute(
        title=_e(page.title), subtitle=_e(page.subtitle), nav=nav, body=body,
        style=_template("review.css"), script=_template("review.js"), version=_e(version),
        date=_dt.date.today().isoformat())
