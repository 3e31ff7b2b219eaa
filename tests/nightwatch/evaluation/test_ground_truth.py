"""Pascal VOC boxes read as the MOT ones are: persons count, difficult ones are "don't care",
and the picture is found beside the XML or in ../JPEGImages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nightwatch.evaluation.ground_truth import ground_truth_frames, load_voc_frames
from nightwatch.mot_eval import load_frames


def voc_xml(filename: str | None, objects: list[tuple[str, list[float], bool]]) -> str:
    items = "".join(
        f"<object><name>{name}</name><difficult>{int(difficult)}</difficult><bndbox>"
        f"<xmin>{box[0]}</xmin><ymin>{box[1]}</ymin><xmax>{box[2]}</xmax><ymax>{box[3]}</ymax>"
        "</bndbox></object>"
        for name, box, difficult in objects
    )
    named = f"<filename>{filename}</filename>" if filename else ""
    size = "<size><width>640</width><height>480</height></size>"
    return f"<annotation>{named}{size}{items}</annotation>"


def test_voc_persons_count_difficult_ones_are_dont_care_other_classes_are_not_persons(
    tmp_path: Path,
) -> None:
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "JPEGImages").mkdir()
    (tmp_path / "JPEGImages" / "street.jpg").write_bytes(b"")
    (tmp_path / "Annotations" / "street.xml").write_text(
        voc_xml(
            "street.jpg",
            [
                ("person", [10, 20, 50, 120], False),
                ("Person", [100, 20, 140, 120], True),
                ("car", [200, 200, 400, 300], False),
            ],
        ),
        encoding="utf-8",
    )
    [frame] = load_voc_frames(tmp_path)
    assert frame.image_path == tmp_path / "JPEGImages" / "street.jpg"
    np.testing.assert_array_equal(frame.people, [[10, 20, 50, 120]])
    np.testing.assert_array_equal(frame.dont_care, [[100, 20, 140, 120]])


def test_a_voc_picture_beside_its_xml_is_found_by_its_name(tmp_path: Path) -> None:
    (tmp_path / "0001.png").write_bytes(b"")
    (tmp_path / "0001.xml").write_text(voc_xml(None, []), encoding="utf-8")
    [frame] = load_voc_frames(tmp_path)
    assert frame.image_path == tmp_path / "0001.png"
    assert frame.people.shape == (0, 4)


def test_a_voc_annotation_without_its_picture_says_which(tmp_path: Path) -> None:
    (tmp_path / "0002.xml").write_text(voc_xml("0002.jpg", []), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"no picture for .*0002.xml"):
        list(load_voc_frames(tmp_path))


def test_mot17_mini_written_as_voc_gives_the_same_persons(shared: Path, tmp_path: Path) -> None:
    sequence = shared / "footage" / "MOT17-mini" / "train" / "MOT17-09-FRCNN"
    mot = ground_truth_frames(sequence, "mot")
    for frame in mot:
        objects = [("person", list(box), False) for box in frame.people.tolist()]
        xml = voc_xml(str(frame.image_path), objects)  # an absolute filename is found as it is
        (tmp_path / f"{frame.image_path.stem}.xml").write_text(xml, encoding="utf-8")
    voc = ground_truth_frames(tmp_path, "voc")
    assert [frame.image_path for frame in voc] == [frame.image_path for frame in mot]
    for ours, theirs in zip(voc, mot, strict=True):
        np.testing.assert_allclose(ours.people, theirs.people, atol=0.01)
    assert sum(len(frame.people) for frame in load_frames(sequence)) > 0
