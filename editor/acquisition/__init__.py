"""Camera tethering through INDI: capture sequences, frame saving, live view and live stacking.

No Qt here: the Acquisition tab (editor.ui.acquisition.tab) drives
:class:`~editor.acquisition.controller.AcquisitionController`; the ``nebulayer capture``
command uses the same pieces directly.
"""
