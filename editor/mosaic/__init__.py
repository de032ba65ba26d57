"""Mosaics: panel registration (WCS or stars), photometric balancing, blending (no Qt).

:func:`editor.mosaic.plan.plan_mosaic` fits everything (frame, transforms, gains, offsets,
gradients) into a :class:`~editor.mosaic.plan.MosaicPlan` of plain numbers the user can see
and change; :func:`editor.mosaic.compose.render_mosaic` renders a plan at any scale/window.
"""
