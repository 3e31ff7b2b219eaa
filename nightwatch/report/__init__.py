"""The shift report as files (`report.json`, `report.html`, `report.pdf`) and its publication
at shift end; the figures themselves come from `alerts.report`."""
