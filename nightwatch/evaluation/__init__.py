"""`nightwatch evaluate`: event-level accuracy of the rules and the detector on labelled footage.

- `manifest`: the YAML schema of a manifest.
- `loading`: reading one, with ${VAR} and errors that name the entry and the key.
- `entries`: each entry resolved against the disk: its clip, its configuration, its camera.
- `clips`: the preprocessing a clip asks for (hold the last frame, loop), cached.
- `scoring`: pure matching of alerts to expected events, and the figures.
- `ground_truth`: person precision and recall on image sequences with boxes (MOT, VOC).
- `timeline`: the picture of one clip's alerts against its expected windows.
- `report`: the table, the JSON and the exit status.
- `run`: runs every entry through the real model and rules.
"""
