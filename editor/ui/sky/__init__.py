"""Sky features of the editor (issue 14): plate solving a layer, New Mosaic from Files, the
mosaic panel list. The shell wires them into menus and docks (editor/ui/shell/sky_install.py)."""
