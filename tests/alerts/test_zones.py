"""Zones: which standing points are inside a polygon given in fractions of the picture."""

from __future__ import annotations

import numpy as np

from alerts.zones import WHOLE_FRAME, Zone

WIDTH, HEIGHT = 1920, 1080
# The lower-right quarter of the picture.
QUARTER = Zone("quarter", ((0.5, 0.5), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0)))
# A U open at the top: two legs joined by a bottom bar; the notch between the legs is outside.
U_SHAPE = Zone(
    "u",
    (
        (0.1, 0.1),
        (0.3, 0.1),
        (0.3, 0.6),
        (0.7, 0.6),
        (0.7, 0.1),
        (0.9, 0.1),
        (0.9, 0.9),
        (0.1, 0.9),
    ),
)


def inside(zone: Zone, *fractions: tuple[float, float]) -> list[bool]:
    """Whether each point, given as fractions of the picture, is in the zone."""
    points = np.asarray([(x * WIDTH, y * HEIGHT) for x, y in fractions], np.float32)
    return [bool(flag) for flag in zone.contains(points, WIDTH, HEIGHT)]


def test_points_inside_and_outside_a_rectangle() -> None:
    assert inside(QUARTER, (0.75, 0.75), (0.25, 0.25), (0.75, 0.25), (0.25, 0.75)) == [
        True,
        False,
        False,
        False,
    ]


def test_edges_and_corners_count_as_inside() -> None:
    assert inside(QUARTER, (0.5, 0.75), (0.75, 0.5), (1.0, 1.0), (0.5, 0.5)) == [True] * 4


def test_just_outside_an_edge_is_outside() -> None:
    assert inside(QUARTER, (0.499, 0.75), (0.75, 0.499)) == [False, False]


def test_a_concave_zone_excludes_its_notch() -> None:
    legs_and_bar = inside(U_SHAPE, (0.2, 0.3), (0.8, 0.3), (0.5, 0.8))
    notch = inside(U_SHAPE, (0.5, 0.3), (0.5, 0.55))
    assert legs_and_bar == [True, True, True]
    assert notch == [False, False]


def test_coordinates_are_fractions_of_each_axis() -> None:
    # (1200, 700) px is (0.625, 0.648) of a 1920x1080 picture but (1.17, 1.37) of 1024x512.
    point = np.asarray([[1200.0, 700.0]], np.float32)
    assert bool(QUARTER.contains(point, 1920, 1080)[0])
    assert not bool(QUARTER.contains(point, 1024, 512)[0])


def test_the_whole_frame_holds_every_pixel_of_the_picture() -> None:
    corners = inside(WHOLE_FRAME, (0.0, 0.0), (1.0, 1.0), (0.5, 0.5), (1.0, 0.0))
    assert corners == [True] * 4


def test_no_points_gives_no_answers() -> None:
    assert QUARTER.contains(np.zeros((0, 2), np.float32), WIDTH, HEIGHT).shape == (0,)
