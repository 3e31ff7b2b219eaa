"""Static foreground: things that arrived in the picture and then stayed still.

The classical dual-background method on a small copy of the frame (`analysis_width` wide). A
short-term background follows the picture within seconds; a long-term background learns only
where it sees background. A pixel that differs from the long-term background but not from the
short-term one holds something that came and stopped: its static age grows. Someone walking
in front of it holds the age (the pixel differs from both); the age falls to zero once the
pixel has shown the long-term background again for a second (the thing was taken away).

What keeps the long-term background honest:
- the first `learn_s` seconds it follows the picture everywhere, and nothing is reported;
- exposure and white balance are matched before comparing (per colour channel and brightness
  band, the median change), so dusk or auto-exposure do not turn the picture into foreground;
- where the background has texture that the picture still shows under another brightness
  (a shadow, a patch of light), there is no foreground;
- a settled blob whose outline belongs to the background rather than to the picture is a
  *ghost* (something that stood there at start-up, or went away revealing the floor) and is
  learnt at once;
- anything static for `absorb_after_s` becomes background.

Known limit: a ghost that reveals strongly structured background (the base of a table someone
stood at through start-up) can look like an object and lasts until `absorb_after_s`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from detectors.observation import StaticRegion
from ingest.images import downscale

Picture = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

_MAX_STEP_S = 1.0  # a gap longer than this counts as this
_OPEN_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_SQUARE_KERNEL = np.ones((3, 3), np.uint8)
_TONE_BANDS = 16  # brightness bands in which exposure changes are measured
_TONE_MIN_PIXELS = 20  # a band with fewer sampled pixels borrows from its neighbours
_TONE_MAX_CHANGE = 50.0  # grey levels: the largest change that exposure may explain
_TONE_SAMPLE_STEP = 4  # exposure is measured on every fourth pixel of every fourth row
_CLOSE_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
_RESET_S = 1.0  # seconds a pixel must match the background again before its age is dropped
_JUDGE_AFTER_S = 1.0  # seconds of static age before a pixel counts towards judging its blob
_GHOST_MIN_AREA = 12  # analysed pixels: smaller blobs are not worth judging
_IN_VIEW_SHARE = 0.8  # share of a blob's pixels static this frame for it to be judged
_WINDOW_MARGIN = 3  # analysed pixels around a region that its judgement also looks at
_GHOST_EDGE_RATIO = 0.67  # outline edges now below this share of the background's: a ghost
_GHOST_STEP_RATIO = 0.5  # colour step across the outline now below the background's share
_TEXTURE_WINDOW = 7  # analysed pixels: the side of the window in which texture is compared
_TEXTURE_STD_MIN = 5.0  # grey deviation from which a background window has texture to compare
_TEXTURE_KEPT = 0.25  # under a shadow a texture keeps at least this share of its deviation
_SAME_STRUCTURE_MIN = 0.8  # picture and background correlating this well: only the light changed


@dataclass(frozen=True, slots=True)
class StaticSettings:
    """How one camera's static foreground is found; built from its abandoned-object rule."""

    analysis_width: int = 320
    learn_s: float = 10.0
    short_term_s: float = 2.0
    long_term_s: float = 60.0
    diff_min: float = 25.0
    min_area_px: float = 30.0
    max_area_fraction: float = 0.25
    min_report_s: float = 1.0
    absorb_after_s: float = 900.0


@dataclass(slots=True)
class _Models:
    long_term: Picture
    short_term: Picture
    age_s: Picture  # how long each pixel has held static foreground
    background_s: Picture  # how long each pixel has matched the long-term background

    @classmethod
    def first(cls, picture: Picture) -> _Models:
        zeros = np.zeros(picture.shape[:2], np.float32)
        return cls(picture, picture.copy(), zeros, zeros.copy())


@dataclass(slots=True)
class StaticForeground:
    """One camera's static-foreground detector; feed it every analysed frame in order."""

    settings: StaticSettings = field(default_factory=StaticSettings)
    _models: _Models | None = None
    _started_s: float = 0.0
    _last_s: float = 0.0

    def update(
        self, image_bgr: npt.NDArray[np.uint8], now_s: float, frame_scale: float = 1.0
    ) -> list[StaticRegion]:
        """Static regions in one BGR frame taken at monotonic time `now_s` (seconds).

        `frame_scale` is the full frame's pixels per pixel of `image_bgr`, for a caller that
        passes a reduced copy; regions and `min_area_px` are in full-frame pixels.
        """
        picture, scale = _downscale(image_bgr, self.settings.analysis_width)
        scale *= frame_scale
        models = self._models
        if models is None or models.long_term.shape != picture.shape:
            self._models = _Models.first(picture)
            self._started_s = self._last_s = now_s
            return []
        step_s = min(max(now_s - self._last_s, 0.0), _MAX_STEP_S)
        self._last_s = now_s
        if now_s - self._started_s < self.settings.learn_s:
            # Learning: both backgrounds follow the picture everywhere, so whatever passed
            # by at start-up (people, their shadows) is not taken for the empty scene.
            weight = 1.0 - math.exp(-step_s / self.settings.short_term_s)
            cv2.accumulateWeighted(picture, models.short_term, weight)
            cv2.accumulateWeighted(picture, models.long_term, weight)
            return []
        foreground_long, static = self._classify(picture, models)
        models.age_s[static] += step_s
        # A pixel must show the background again for a moment before its age is dropped: one
        # misjudged frame (someone large crossing, an exposure jump) must not restart a bag.
        models.background_s[foreground_long] = 0.0
        models.background_s[~foreground_long] += step_s
        models.age_s[models.background_s >= _RESET_S] = 0.0
        self._absorb_ghosts(picture, models, foreground_long, static)
        regions = self._regions(models, scale)
        self._learn(picture, models, foreground_long, step_s)
        return regions

    def _classify(self, picture: Picture, models: _Models) -> tuple[Mask, Mask]:
        """(differs from the long-term background, static foreground)."""
        threshold = self.settings.diff_min
        expected = _tone_matched(models.long_term, picture)
        foreground_long = _differs_from_neighbourhood(picture, expected, threshold)
        # Shadows and light keep the background's texture under a new brightness.
        foreground_long &= ~_same_texture(_grey(picture), _grey(expected))
        foreground_short = _differs(picture, models.short_term, threshold)
        static = foreground_long & ~foreground_short
        opened = cv2.morphologyEx(static.view(np.uint8), cv2.MORPH_OPEN, _OPEN_KERNEL)
        return foreground_long, opened.astype(np.bool_)

    def _learn(
        self, picture: Picture, models: _Models, foreground_long: Mask, step_s: float
    ) -> None:
        short_weight = 1.0 - math.exp(-step_s / self.settings.short_term_s)
        long_weight = 1.0 - math.exp(-step_s / self.settings.long_term_s)
        cv2.accumulateWeighted(picture, models.short_term, short_weight)
        background = (~foreground_long).view(np.uint8)
        cv2.accumulateWeighted(picture, models.long_term, long_weight, mask=background)
        settled = models.age_s >= self.settings.absorb_after_s
        if settled.any():
            models.long_term[settled] = picture[settled]
            models.age_s[settled] = 0.0

    def _absorb_ghosts(
        self, picture: Picture, models: _Models, foreground_long: Mask, static: Mask
    ) -> None:
        """Learn at once every ghost: a settled foreground blob that is the background's fault.

        Judged on whole blobs of long-term foreground (an object's silhouette, not the
        ragged set of its pixels that have settled so far), once most of a blob is static and
        in plain view (nobody walking in front of it).
        """
        blobs = cv2.morphologyEx(foreground_long.view(np.uint8), cv2.MORPH_CLOSE, _CLOSE_KERNEL)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
        for index in range(1, count):
            left, top, width, height, area = (int(value) for value in stats[index])
            if area < _GHOST_MIN_AREA:
                continue
            window = _padded_window(left, top, width, height, blobs.shape)
            mask = labels[window] == index
            settled = models.age_s[window][mask] >= _JUDGE_AFTER_S
            if float(static[window][mask].mean()) < _IN_VIEW_SHARE or settled.mean() < 0.5:
                continue
            if _is_ghost(mask, picture[window], models.long_term[window]):
                models.long_term[window][mask] = picture[window][mask]
                models.age_s[window][mask] = 0.0

    def _regions(self, models: _Models, scale: float) -> list[StaticRegion]:
        aged = (models.age_s >= self.settings.min_report_s).view(np.uint8)
        if not aged.any():
            return []
        # Close small gaps: an object's pixels do not all settle in the same frame.
        merged = cv2.morphologyEx(aged, cv2.MORPH_CLOSE, _CLOSE_KERNEL)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
        # Smaller than the smallest blob whose outline can be judged: not worth reporting.
        min_area = max(self.settings.min_area_px / (scale * scale), _GHOST_MIN_AREA)
        max_area = self.settings.max_area_fraction * aged.size
        regions: list[StaticRegion] = []
        for index in range(1, count):
            left, top, width, height, area = (int(value) for value in stats[index])
            if not min_area <= area <= max_area:
                continue
            window = (slice(top, top + height), slice(left, left + width))
            ages = models.age_s[window][labels[window] == index]
            age_s = float(np.median(ages[ages > 0])) if (ages > 0).any() else 0.0
            box = (left * scale, top * scale, (left + width) * scale, (top + height) * scale)
            regions.append(StaticRegion(box, age_s, area * scale * scale))
        return regions


def _padded_window(
    left: int, top: int, width: int, height: int, shape: tuple[int, ...]
) -> tuple[slice, slice]:
    """The box with a margin, so that outlines and surroundings are measured whole."""
    margin = _WINDOW_MARGIN
    return (
        slice(max(top - margin, 0), min(top + height + margin, shape[0])),
        slice(max(left - margin, 0), min(left + width + margin, shape[1])),
    )


def _downscale(image_bgr: npt.NDArray[np.uint8], width: int) -> tuple[Picture, float]:
    """A float copy at most `width` wide, and full-frame pixels per analysed pixel."""
    small = downscale(image_bgr, width)
    return small.astype(np.float32), image_bgr.shape[1] / small.shape[1]


def _differs(picture: Picture, background: Picture, threshold: float) -> Mask:
    """Pixels where any colour channel differs by more than `threshold` grey levels."""
    difference = np.asarray(cv2.absdiff(picture, background), np.float32)
    return _channel_max(difference) > threshold


def _differs_from_neighbourhood(picture: Picture, background: Picture, threshold: float) -> Mask:
    """Pixels outside the range of their 3x3 background neighbourhood by more than `threshold`.

    Comparing with the neighbourhood forgives a pixel of camera shake or compression jitter
    along strong edges, which a plain difference reports as foreground.
    """
    lowest = cv2.erode(background, _SQUARE_KERNEL)
    highest = cv2.dilate(background, _SQUARE_KERNEL)
    beyond = np.maximum(lowest - picture, picture - highest)
    return _channel_max(beyond) > threshold


def _channel_max(picture: Picture) -> Picture:
    # Faster than picture.max(axis=2), which numpy reduces pixel by pixel.
    result: Picture = np.maximum(np.maximum(picture[..., 0], picture[..., 1]), picture[..., 2])
    return result


def _tone_matched(background: Picture, picture: Picture) -> Picture:
    """The background as the camera's present exposure and white balance would show it.

    Per colour channel, the median change is measured in bands of background brightness and
    each pixel is moved by its band's change (interpolated between bands), so a gain, an
    offset or a gamma change all cancel. Medians, because people and objects in the picture
    are a minority of any band.
    """
    levels = np.clip(background, 0, 255).astype(np.uint8)
    # A coarse grid of pixels is plenty for a few dozen medians.
    step = _TONE_SAMPLE_STEP
    channels = background.shape[2]
    bands = (levels[::step, ::step] // (256 // _TONE_BANDS)).reshape(-1, channels)
    changes = (picture[::step, ::step] - background[::step, ::step]).reshape(-1, channels)
    # Changes this large are things in the picture, not exposure: leave them out of the band.
    bands = np.where(np.abs(changes) <= _TONE_MAX_CHANGE, bands, _TONE_BANDS)
    centres = np.arange(_TONE_BANDS) * (256 / _TONE_BANDS) + 128 / _TONE_BANDS
    table = np.zeros((256, 1, channels), np.float32)
    for channel in range(channels):
        order = np.lexsort((changes[:, channel], bands[:, channel]))
        sorted_bands, sorted_changes = bands[order, channel], changes[order, channel]
        starts = np.searchsorted(sorted_bands, np.arange(_TONE_BANDS), side="left")
        ends = np.searchsorted(sorted_bands, np.arange(_TONE_BANDS), side="right")
        usable = ends - starts >= _TONE_MIN_PIXELS
        if usable.any():
            medians = sorted_changes[(starts[usable] + ends[usable]) // 2]
            table[:, 0, channel] = np.interp(np.arange(256), centres[usable], medians)
    matched: Picture = background + cv2.LUT(levels, table)
    return matched


def _grey(picture: Picture) -> Picture:
    return np.asarray(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY), np.float32)


def _edges(grey: Picture) -> Picture:
    magnitude = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    return np.asarray(magnitude, np.float32)


def _same_texture(grey: Picture, background_grey: Picture) -> Mask:
    """Pixels whose neighbourhood shows the background's texture, brighter or darker.

    Local correlation over a small window; only where the background has texture to
    recognise (a plain floor under a shadow is left to the brightness test).
    """
    size = (_TEXTURE_WINDOW, _TEXTURE_WINDOW)
    mean_now = cv2.boxFilter(grey, -1, size)
    mean_before = cv2.boxFilter(background_grey, -1, size)
    covariance = cv2.boxFilter(grey * background_grey, -1, size) - mean_now * mean_before
    variance_now = cv2.boxFilter(grey * grey, -1, size) - mean_now * mean_now
    variance_before = (
        cv2.boxFilter(background_grey * background_grey, -1, size) - mean_before * mean_before
    )
    # One must show texture, and the other keep a fair share of it (a shadow comes or goes):
    # a plain object over a textured floor correlates by chance.
    kept = _TEXTURE_KEPT**2
    textured = np.maximum(variance_now, variance_before) >= _TEXTURE_STD_MIN**2
    textured &= (variance_now >= kept * variance_before) & (variance_before >= kept * variance_now)
    textured &= np.minimum(variance_now, variance_before) >= 4.0
    spread = np.sqrt(np.maximum(variance_now * variance_before, 1e-6))
    result: Mask = textured & (covariance >= _SAME_STRUCTURE_MIN * spread)
    return result


def _is_ghost(mask: Mask, picture: Picture, background: Picture) -> bool:
    """True when a static region is no new object but a ghost.

    A ghost (something that stood there at start-up, or went away revealing the floor) is
    where the *background* is out of place: its outline is sharper in the background than in
    the picture, or the picture now runs on smoothly across the outline while the
    background breaks there. A new object is the other way round.
    """
    inside = mask.view(np.uint8)
    ring = cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, _OPEN_KERNEL).astype(np.bool_)
    around = cv2.dilate(inside, _CLOSE_KERNEL).astype(np.bool_) & ~mask
    if not ring.any() or not around.any():
        return False
    grey, background_grey = _grey(picture), _grey(background)
    if _edges(grey)[ring].mean() < _GHOST_EDGE_RATIO * _edges(background_grey)[ring].mean():
        return True
    step_now = np.linalg.norm(picture[mask].mean(axis=0) - picture[around].mean(axis=0))
    step_before = np.linalg.norm(background[mask].mean(axis=0) - background[around].mean(axis=0))
    return bool(step_now < _GHOST_STEP_RATIO * step_before)
