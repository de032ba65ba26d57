"""Club reviews in the editor: the Notes panel, notes drawn on the canvas, File > Export Review Page."""
