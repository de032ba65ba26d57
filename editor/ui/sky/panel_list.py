"""The Mosaic dock: the selected mosaic layer's panels with visibility, order, fitted gain and
offset (editable; every edit one undoable step), the reference pin, and "Re-fit balance" /
"Re-solve panel". A thin view over the layer's ``panels``/``canvas`` records."""

from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                             QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from editor.ui.common.error_dialogs import show_error
from editor.ui.common.i18n import format_number, tr
from editor.ui.common.job_runner import run_job

COLS = ["", "Panel", "Gain", "Offset", "Ref"]


def _numbers(text: str, n: int) -> list[float]:
    """'1.02 0.98 1.01' (or one number for every channel) -> n floats; ValueError if not."""
    vals = [float(v) for v in text.replace(",", " ").split()]
    if len(vals) == 1:
        vals = vals * n
    if len(vals) != n:
        raise ValueError(f"{n} numbers expected (one per channel), got {len(vals)}")
    return vals


def _fmt(vals: list[float], digits: int) -> str:
    return " ".join(f"{v:.{digits}g}" for v in vals)


class MosaicPanelsPanel(QWidget):
    def __init__(self, model: Any, status: Callable[[str], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.status = status or (lambda _t: None)
        self.layer_id: str | None = None
        self.last_job: Any = None
        self.hint = QLabel(tr("Select a mosaic layer to see its panels."))
        self.hint.setWordWrap(True)
        self.table = QTableWidget(0, len(COLS))
        self.table.setHorizontalHeaderLabels([tr(c) if c else "" for c in COLS])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for c in (0, 4):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._on_item)
        self.up, self.down = QPushButton(tr("Up")), QPushButton(tr("Down"))
        self.refit = QPushButton(tr("Re-fit balance"))
        self.resolve = QPushButton(tr("Re-solve panel"))
        self.refit.setToolTip(tr("Fit every panel's gain and offset again from the overlaps, matched to the reference panel"))
        self.resolve.setToolTip(tr("Plate-solve the selected panel again and place it by its new WCS"))
        self.up.clicked.connect(lambda: self.move_selected(1))
        self.down.clicked.connect(lambda: self.move_selected(-1))
        self.refit.clicked.connect(self.refit_balance)
        self.resolve.clicked.connect(self.resolve_selected)
        row = QHBoxLayout()
        for b in (self.up, self.down, self.refit, self.resolve):
            row.addWidget(b)
        self.report = QLabel("")
        self.report.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(self.report)
        self._filling = False
        model.selection_changed.connect(lambda _l: self.refresh())
        model.layer_changed.connect(lambda _l: self.refresh())
        model.layers_changed.connect(self.refresh)
        model.document_replaced.connect(lambda _d: self.refresh())
        self.refresh()

    # ------------------------------------------------------------------ view
    def layer(self) -> Any:
        lyr = self.model.selected_layer()
        if lyr is None and self.model.doc is not None:  # a mosaic document: its mosaic layer
            lyr = next((x for x in self.model.doc.all_layers() if getattr(x, "type", "") == "mosaic"), None)
        return lyr if getattr(lyr, "type", "") == "mosaic" else None

    def refresh(self) -> None:
        layer = self.layer()
        self.layer_id = None if layer is None else layer.id
        on = layer is not None
        self.hint.setVisible(not on)
        for w in (self.table, self.up, self.down, self.refit, self.resolve):
            w.setEnabled(on)
        self._filling = True
        try:
            keep = self.table.currentRow()
            self.table.setRowCount(0)
            if layer is None:
                self.report.setText("")
                return
            ref = int(layer.canvas.get("reference", 0))
            # top panel first, as in the Layers panel
            for row, k in enumerate(reversed(range(len(layer.panels)))):
                p = layer.panels[k]
                self.table.insertRow(row)
                vis = QTableWidgetItem()
                vis.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                vis.setCheckState(Qt.CheckState.Checked if p.get("visible", True) else Qt.CheckState.Unchecked)
                vis.setData(Qt.ItemDataRole.UserRole, k)
                name = QTableWidgetItem(str(p.get("name", f"panel {k + 1}")))
                name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                name.setToolTip(self._describe_transform(p))
                gain = QTableWidgetItem(_fmt(p["gain"], 5))
                off = QTableWidgetItem(_fmt(p["offset"], 4))
                pin = QTableWidgetItem()
                pin.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                pin.setCheckState(Qt.CheckState.Checked if k == ref else Qt.CheckState.Unchecked)
                pin.setToolTip(tr("Reference: the panel whose brightness the others are matched to"))
                for c, item in enumerate((vis, name, gain, off, pin)):
                    self.table.setItem(row, c, item)
            if 0 <= keep < self.table.rowCount():
                self.table.selectRow(keep)
            self.report.setText(self._describe_report(layer))
        finally:
            self._filling = False

    @staticmethod
    def _describe_transform(p: dict[str, Any]) -> str:
        t = p["transform"]
        if t["kind"] == "wcs":
            return tr("placed by its WCS")
        return tr("shift ({dx}, {dy}) px, rotation {rot}°, scale {s}").format(  # locale's numbers
            dx=format_number(t["dx"], 2), dy=format_number(t["dy"], 2),
            rot=format_number(t["rotation_deg"], 3), s=format_number(t["scale"], 4))

    @staticmethod
    def _describe_report(layer: Any) -> str:
        rep = layer.canvas.get("report") or {}
        h, w = layer.canvas.get("shape", [0, 0])
        # the stored words are data ("stars", "feather"): shown in the user's language, as the
        # mosaic CLI shows them; a mosaic put together without a build report says nothing of it
        align = {"wcs": "WCS", "stars": tr("stars")}.get(rep.get("align"), rep.get("align"))
        blend = layer.canvas.get("blend", "feather")
        blend = {"feather": tr("feather"), "multiband": tr("multiband")}.get(blend, blend)
        if align:
            text = tr("{n} panels on {w}x{h}, aligned by {align}, {blend} blend").format(
                n=len(layer.panels), w=w, h=h, align=align, blend=blend)
        else:
            text = tr("{n} panels on {w}x{h}, {blend} blend").format(n=len(layer.panels), w=w, h=h, blend=blend)
        unlinked = (rep.get("balance") or {}).get("unlinked") or []
        if unlinked:
            text += "\n" + tr("Not matched (overlaps no other panel): {0}").format(", ".join(unlinked))
        return text

    def panel_index(self, row: int) -> int:
        return int(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole))

    # ------------------------------------------------------------------ edits
    def _set(self, **props: Any) -> bool:
        try:
            self.model.doc.set_layer_props(self.layer_id, **props)
            return True
        except Exception as exc:  # noqa: BLE001 - a DocumentError: one line to the user
            show_error(self, str(exc))
            self.refresh()
            return False

    def _on_item(self, item: QTableWidgetItem) -> None:
        if self._filling or self.layer_id is None:
            return
        layer = self.model.doc.layer(self.layer_id)
        k = self.panel_index(item.row())
        panels = [dict(p) for p in layer.panels]
        c = item.column()
        if c == 0:
            panels[k]["visible"] = item.checkState() == Qt.CheckState.Checked
            self._set(panels=panels)
        elif c in (2, 3):
            key = "gain" if c == 2 else "offset"
            try:
                panels[k][key] = _numbers(item.text(), len(panels[k][key]))
            except ValueError as exc:
                self.status(tr("{name} {key}: {why}").format(name=panels[k]["name"], key=key, why=exc))
                self.refresh()
                return
            self._set(panels=panels)
        elif c == 4 and item.checkState() == Qt.CheckState.Checked:
            self.pin_reference(k)
        elif c == 4:
            self.refresh()  # the reference cannot be un-pinned, only moved

    def pin_reference(self, k: int, refit: bool = True) -> None:
        layer = self.model.doc.layer(self.layer_id)
        if self._set(canvas=dict(layer.canvas, reference=int(k))) and refit:
            self.refit_balance()

    def move_selected(self, step: int) -> None:
        """Move the selected panel ``step`` places up (+1, towards the top) or down."""
        row = self.table.currentRow()
        if row < 0 or self.layer_id is None:
            return
        layer = self.model.doc.layer(self.layer_id)
        k = self.panel_index(row)
        j = k + step
        if not 0 <= j < len(layer.panels):
            return
        panels = [dict(p) for p in layer.panels]
        panels[k], panels[j] = panels[j], panels[k]
        ref = int(layer.canvas.get("reference", 0))
        ref = j if ref == k else k if ref == j else ref
        # panels and the reference index move together: one step for undo
        self._set(panels=panels, canvas=dict(layer.canvas, reference=ref))
        self.table.selectRow(len(panels) - 1 - j)

    def refit_balance(self) -> Any:
        from editor.mosaic.refit import refit_balance

        doc, lid = self.model.doc, self.layer_id
        if lid is None:
            return None

        def done(result: Any) -> None:
            panels, report = result
            if self._set(panels=panels):
                self.status(tr("Balance re-fitted over {0} overlaps").format(len(report.get("pairs", []))))

        self.last_job = run_job(self, tr("Fitting the panels' brightness…"),
                                lambda progress: refit_balance(doc, lid, progress=progress),
                                done, lambda msg: show_error(self, msg))
        return self.last_job

    def resolve_selected(self, solver: Any = None) -> Any:
        from editor.mosaic.refit import reregister_by_wcs
        from editor.ui.sky.solve import start_solve

        row = self.table.currentRow()
        if row < 0 or self.layer_id is None:
            self.status(tr("Select a panel to plate-solve."))
            return None
        doc, lid = self.model.doc, self.layer_id
        k = self.panel_index(row)
        src = doc.sources[doc.layer(lid).panels[k]["source"]]

        def solved(text: str) -> None:
            if self._set(panels=reregister_by_wcs(doc, lid)):
                self.status(text)

        self.last_job = start_solve(self, doc, src, solver=solver, on_done=solved,
                                    on_failed=lambda msg: show_error(self, msg))
        return self.last_job
