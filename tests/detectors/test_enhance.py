"""Picture preprocessing before detection: what each mode does to a picture, and `auto`'s
day/night switch with hysteresis. (Its effect on a real detector is measured on real thermal
frames by the evaluation manifest, `night-thermal-llvip`.)"""

from __future__ import annotations

import numpy as np
import pytest

from config.detect import DetectConfig
from detectors.enhance import PictureEnhancer


def picture(level: int, blob: int | None = None) -> np.ndarray:
    """A flat grey picture of `level`, with a 40x20 patch of `blob` in the middle."""
    image = np.full((120, 160, 3), level, np.uint8)
    if blob is not None:
        image[40:80, 70:90] = blob
    return image


def test_none_hands_the_picture_on_untouched() -> None:
    image = picture(30, 50)
    assert PictureEnhancer("none")(image) is image


def test_thermal_makes_a_warm_figure_dark_on_a_light_ground() -> None:
    enhanced = PictureEnhancer("thermal")(picture(60, 200))
    assert enhanced.shape == (120, 160, 3)
    figure, ground = enhanced[50:70, 75:85].mean(), enhanced[5:20, 5:20].mean()
    assert figure < ground - 50


def test_low_light_lifts_a_dim_figure_and_keeps_the_colour() -> None:
    """A night picture: sensor noise around grey level 20, a figure 12 levels brighter."""
    noise = np.random.default_rng(1).normal(20.0, 4.0, (120, 160, 3))
    noise[40:80, 70:90] += 12.0
    noise[..., 2] += 6.0  # a reddish cast (sodium lamps)
    dark = np.clip(noise, 0, 255).astype(np.uint8)
    enhanced = PictureEnhancer("low_light")(dark)
    contrast_before = float(dark[50:70, 75:85].mean() - dark[5:20, 5:20].mean())
    contrast_after = float(enhanced[50:70, 75:85].mean() - enhanced[5:20, 5:20].mean())
    assert contrast_after > 2 * contrast_before
    assert enhanced[..., 2].mean() > enhanced[..., 0].mean()


def test_auto_turns_low_light_on_in_the_dark_and_off_only_once_it_is_light() -> None:
    enhancer = PictureEnhancer("auto")
    day = picture(120, 140)
    assert enhancer(day) is day and not enhancer.night
    enhancer(picture(40, 55))
    assert enhancer.night
    dusk = picture(70, 85)  # between the two thresholds: stays as it was
    assert enhancer(dusk) is not dusk and enhancer.night
    assert enhancer(day) is day and not enhancer.night
    assert enhancer(dusk) is dusk


def test_the_mode_is_a_camera_setting_and_a_wrong_one_is_refused() -> None:
    assert DetectConfig().enhance == "none"
    assert DetectConfig.model_validate({"enhance": "thermal"}).enhance == "thermal"
    with pytest.raises(ValueError, match="enhance"):
        DetectConfig.model_validate({"enhance": "infrared"})
