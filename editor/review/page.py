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

from editor.locale import _, format_date, language
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
    opens = _("Open at 100 %: {picture}").format(picture=p.alt)
    size = _("{caption} ({width}×{height} px, 100 %)").format(caption=caption, width=p.width, height=p.height)
    return (f'<figure><button type="button" class="zoomable" data-title="{_e(title)}" '
            f'aria-label="{_e(opens)}">{_img(p)}</button>'
            f'<figcaption>{_e(size)}</figcaption></figure>')


def _markers(project: ProjectView) -> str:
    out = []
    for c in project.crops:
        x, y, w, h = c.marker
        cls = "marker pin" if c.kind == "pin" else "marker"  # untranslated: CSS classes
        size = "" if c.kind == "pin" else f" width:{w:.3f}%; height:{h:.3f}%;"
        label = _("Note {number}: {text}").format(number=c.number, text=c.text)
        out.append(f'<span class="{cls}" style="left:{x:.3f}%; top:{y:.3f}%;{size}">'
                   f'<a href="#{project.anchor}-note-{c.number}" aria-label="{_e(label)}">'
                   f'{c.number}</a></span>')
    return "".join(out)


def _slider(p: ProjectView) -> str:
    a = p.anchor
    grid_img = ""
    grid_button = ""
    if p.grid is not None:
        grid_img = _img(p.grid, "ba-grid", " hidden")
        grid = _("RA/Dec grid")  # (marked texts stay outside f-strings: the extractor skips those)
        grid_button = f'<button type="button" class="grid-toggle" aria-pressed="false">{_e(grid)}</button>'
    # As wide as the column allows, up to twice the picture's pixels and 75 % of the window's
    # height; the controls take the picture's width.
    width = f"min(100%, {2 * p.after.width}px, calc(75vh * {p.after.width / p.after.height:.5f}))"  # untranslated: CSS
    # Filled in by the page's script as the slider moves (screen readers say it).
    valuetext = _("{before} on the left {percent} %, {after} on the right")
    before_after = _("Before / after")
    caption = _("Left of the line: {before}; right: {after}. Drag on the picture or use the slider "
                "(arrow keys move it).").format(before=p.before_label, after=p.after_label)
    return f"""<figure class="ba" data-ba data-before="{_e(p.before_label)}" data-after="{_e(p.after_label)}" data-valuetext="{_e(valuetext)}" style="width: {width}">
<div class="ba-frame" id="{a}-frame">
{_img(p.after, "ba-after")}
<div class="ba-clip" style="clip-path: inset(0 50% 0 0)">{_img(p.before, "ba-before")}</div>
{grid_img}<div class="ba-divider" aria-hidden="true"></div>
<span class="ba-label before" aria-hidden="true">{_e(p.before_label)}</span><span class="ba-label after" aria-hidden="true">{_e(p.after_label)}</span>
{_markers(p)}
</div>
<div class="controls">
<label for="{a}-range"><span class="nowrap">{_e(before_after)}</span>
<input type="range" class="ba-range" id="{a}-range" min="0" max="100" step="0.1" value="50" aria-describedby="{a}-cap"></label>
{grid_button}
</div>
<figcaption class="ba-caption" id="{a}-cap">{_e(caption)} {_e(p.stretch_note)}</figcaption>
</figure>"""


def _capture(p: ProjectView) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in p.capture.rows())
    solution, title = _("Plate solution"), _("Capture details")
    plate = f"<dt>{_e(solution)}</dt><dd>{_e(p.plate)}</dd>" if p.plate else ""
    return f'<div><h3>{_e(title)}</h3><dl class="capture">{rows}{plate}</dl></div>'


def _steps(p: ProjectView) -> str:
    items = []
    colon = _(": ")
    for s in p.steps:
        indent = f' style="margin-left:{1.2 * s.depth:.1f}em"' if s.depth else ""
        extra = f" <span class=\"small\">({_e(s.extras)})</span>" if s.extras else ""
        items.append(f'<li{indent}><span class="step-name">{_e(s.name)}</span>{_e(colon)}{_e(s.action)}'
                     f" — {_e(s.settings)}{extra}</li>")
    nothing, title = _("No visible layers."), _("Processing steps")
    body = "".join(items) or f"<li>{_e(nothing)}</li>"
    which = _('(layers, bottom to top; state "{state}")').format(state=p.after_label)
    return (f'<div><h3>{_e(title)} <span class="small">{_e(which)}</span></h3>'
            f'<ol class="steps">{body}</ol></div>')


def _crop(p: ProjectView, c: CropView) -> str:
    x, y, w, h = c.region
    where = _("{width}×{height} px at ({x}, {y})").format(width=w, height=h, x=x, y=y) + (_("; ") + c.sky if c.sky else "")
    kind = _("Pin") if c.kind == "pin" else _("Rectangle")
    title = (_("Note {number}: {text}").format(number=c.number, text=c.text) if c.text
             else _("Note {number}").format(number=c.number))
    meta = _("{kind}; crop {where}").format(kind=kind, where=where)
    swap = _("Swap {before} / {after}").format(before=p.before_label, after=p.after_label)
    no_text = "<em>" + _e(_("(no text)")) + "</em>"
    showing, blink = _("Showing: {state}"), _("Blink")
    return f"""<article class="crop" id="{p.anchor}-note-{c.number}" aria-labelledby="{p.anchor}-note-{c.number}-h">
<h4 id="{p.anchor}-note-{c.number}-h" class="note-text">{c.number}. {_e(c.text) or no_text}</h4>
<p class="note-meta">{_e(meta)}</p>
<div class="pair">
{_zoomable(c.before, title + " — " + p.before_label, p.before_label)}
{_zoomable(c.after, title + " — " + p.after_label, p.after_label)}
</div>
<div class="blink" data-blink data-showing="{_e(showing)}">
<div class="controls"><button type="button" class="blink-swap" aria-pressed="false">{_e(swap)}</button>
<button type="button" class="blink-auto" aria-pressed="false">{_e(blink)}</button>
<span class="blink-state small" aria-live="polite"></span></div>
<div class="stack">{_img(c.before, "a", f' data-label="{_e(p.before_label)}"')}{_img(c.after, "b", f' data-label="{_e(p.after_label)}" hidden')}</div>
</div>
</article>"""


def _project(p: ProjectView) -> str:
    crops = "".join(_crop(p, c) for c in p.crops)
    heading, none = _("Notes and 100 % crops"), _("No review notes in this project.")
    crops_block = (f"<h3>{_e(heading)}</h3>{crops}" if crops else f'<p class="small">{_e(none)}</p>')
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
                missing = _("Not on {name}'s picture").format(name=name)
                cells.append(f'<figure><div class="missing">{_e(missing)}</div>'
                              f"<figcaption>{_e(name)}</figcaption></figure>")
            else:
                cells.append(_zoomable(pic, f"{row.title} — {name}", name))
        parts.append(f'<article class="crop" id="across-{i}"><h3 class="note-text">{_e(row.title)}</h3>'
                     f'<div class="row">{"".join(cells)}</div></article>')
    return (f'<section class="across" id="across" aria-labelledby="across-h"><h2 id="across-h">'
            + _e(_("The same places in every version")) + f"</h2>{''.join(parts)}</section>")


def render_html(page: ReviewPage, version: str) -> str:
    """The complete index.html for ``page``."""
    nav = ""
    if len(page.projects) > 1:
        links = "".join(f'<li><a href="#{p.anchor}">{_e(p.name)}</a></li>' for p in page.projects)
        if page.across:
            links += '<li><a href="#across">' + _e(_("Same places compared")) + "</a></li>"
        projects = _("Projects")
        nav = f'<nav aria-label="{_e(projects)}"><ul>{links}</ul></nav>'
    body = "".join(_project(p) for p in page.projects) + _across(page.across)
    footer = _("Made with Nebulayer {version} on {date}. Pictures are 8-bit sRGB; crops are at 100 % "
               "(one image pixel per screen pixel when opened).").format(
        version=version, date=format_date(_dt.date.today()))
    return Template(_template("page.html")).substitute(
        lang=language(), title=_e(page.title), subtitle=_e(page.subtitle), nav=nav, body=body,
        style=_template("review.css"), script=_template("review.js"), version=_e(version),
        skip=_e(_("Skip to the pictures")), crop_title=_e(_("Crop at 100 %")),
        magnification=_e(_("Magnification")), z100=_e(_("100 %")), z200=_e(_("200 %")),
        z400=_e(_("400 %")), close_label=_e(_("Close the 100 % view")), close=_e(_("Close")),
        footer=_e(footer))
