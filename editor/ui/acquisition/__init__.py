"""The Acquisition tab: INDI server and devices, capture sequence, live view."""
