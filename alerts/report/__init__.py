"""The shift report's figures: what one night's shift saw and how fast the patrols answered.

Pure computation over the store's records (`figures.py`), the shift's bounds in the site's
time zone (`shift.py`) and the published summary (`summary.py`); drawing the charts and
writing the HTML and PDF is the wiring's job (`nightwatch/report/`).
"""
