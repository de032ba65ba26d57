"""The image view: canvas widget, display transform for the screen, render controller."""
