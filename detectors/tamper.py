"""Camera tampering and health signals: blackout, covered lens, defocus, moved view, frozen stream.

Every measure is taken on a small grey copy of the frame (`analysis_width` pixels wide) and is
compared with the camera's *own* baselines, learnt during the first `learn_s` seconds and then
following gradual change with time constant `adapt_s`. So dusk, or lights dimming over minutes,
moves the baselines along; only abrupt or extreme changes become conditions. While a view
condition holds, the baselines stand still, so a covered lens is not learnt as the new normal
(a moved view that lasts `accept_view_s` is: the camera was re-aimed on purpose).

The conditions of one frame, the first that holds of the first four (a black frame is also
textureless, blurred and unlike the reference, but is reported as a blackout only):
- blackout: mean luma and its deviation both below `darkness_ratio` of their baselines;
- covered: at least `covered_fraction` of the normally textured cells lost their texture;
- defocus: sharpness below `defocus_ratio` of its baseline;
- moved: the edge map's median cell correlation with the reference below `moved_match_min`;
and, independently, frozen: the picture did not change (mean absolute grey difference at most
`frozen_diff_max`) since the previous frame. How long a condition must last is the rule's.

The measures are blind to a change of overall brightness (dimming, auto-exposure): sharpness is
Laplacian variance divided by grey variance, cell texture is grey deviation divided by mean
luma, and the view match is a correlation of edge maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from detectors.observation import TamperCondition, TamperSignals
from ingest.images import downscale

Grey = npt.NDArray[np.float32]

_TEXTURE_GRID = (12, 20)  # rows, columns of cells for the covered-lens test; small cells, so
# that few straddle the edge of a hand over the lens
_MATCH_GRID = (3, 4)  # rows, columns of cells for the view match
_MATCH_WIDTH = 160  # pixels: edge maps for the view match are this wide
_TEXTURED_MIN = 0.04  # a cell with less relative texture than this is flat by nature
_TEXTURE_LOST = 0.25  # a textured cell keeping less than this share of its texture lost it
_TEXTURE_FLOOR = 0.02  # ... as did one left with less than this (sensor noise on a flat cover)
_EDGE_STD_MIN = 2.0  # a reference cell with less edge spread than this cannot be matched
_MAX_STEP_S = 1.0  # a gap longer than this counts as this, so one frame never rewrites a baseline


@dataclass(frozen=True, slots=True)
class TamperSettings:
    """How one camera's picture is judged; built from the camera's tampering rule."""

    analysis_width: int = 320
    learn_s: float = 30.0
    adapt_s: float = 30.0
    darkness_ratio: float = 0.35
    covered_fraction: float = 0.75
    defocus_ratio: float = 0.3
    moved_match_min: float = 0.5
    frozen_diff_max: float = 0.01
    accept_view_s: float = 900.0


@dataclass(frozen=True, slots=True)
class _Measures:
    grey: Grey
    luma: float
    contrast: float
    sharpness: float
    cell_texture: Grey
    edges: Grey


@dataclass(slots=True)
class _Baselines:
    luma: float
    contrast: float
    sharpness: float
    cell_texture: Grey
    edges: Grey
    frames: int = 1

    @classmethod
    def first(cls, measures: _Measures) -> _Baselines:
        return cls(
            measures.luma,
            measures.contrast,
            measures.sharpness,
            measures.cell_texture.copy(),
            measures.edges.copy(),
        )

    def blend(self, measures: _Measures, weight: float) -> None:
        """Move every baseline `weight` (0-1) of the way towards this frame."""
        keep = 1.0 - weight
        self.luma = keep * self.luma + weight * measures.luma
        self.contrast = keep * self.contrast + weight * measures.contrast
        # Geometric blend: sharpness spans decades between scenes.
        self.sharpness = math.exp(
            keep * math.log(self.sharpness + 1e-6) + weight * math.log(measures.sharpness + 1e-6)
        )
        self.cell_texture = keep * self.cell_texture + weight * measures.cell_texture
        self.edges = keep * self.edges + weight * measures.edges
        self.frames += 1


@dataclass(slots=True)
class TamperMonitor:
    """One camera's tamper detector; feed it every analysed frame in order."""

    settings: TamperSettings = field(default_factory=TamperSettings)
    _baselines: _Baselines | None = None
    _started_s: float = 0.0
    _last_s: float = 0.0
    _previous: Grey | None = None
    _unchanged_since_s: float | None = None
    _moved_since_s: float | None = None

    def update(self, image_bgr: npt.NDArray[np.uint8], now_s: float) -> TamperSignals:
        """Measure one BGR frame taken at monotonic time `now_s` (seconds)."""
        measures = _measure(image_bgr, self.settings.analysis_width)
        frozen_s = self._unchanged_s(measures.grey, now_s)
        baselines = self._baselines
        if baselines is None:
            self._baselines = baselines = _Baselines.first(measures)
            self._started_s = self._last_s = now_s
        learning = now_s - self._started_s < self.settings.learn_s
        signals = _judge(measures, baselines, self.settings, learning, frozen_s)
        self._learn(measures, baselines, signals, now_s, learning)
        return signals

    def _unchanged_s(self, grey: Grey, now_s: float) -> float | None:
        """Seconds since the picture last changed, or None when it changed in this frame."""
        previous, self._previous = self._previous, grey
        changed = (
            previous is None
            or previous.shape != grey.shape
            or float(np.mean(np.abs(grey - previous))) > self.settings.frozen_diff_max
        )
        if changed:
            self._unchanged_since_s = None
            return None
        if self._unchanged_since_s is None:
            self._unchanged_since_s = self._last_s  # the previous frame already showed this
        return now_s - self._unchanged_since_s

    def _learn(
        self,
        measures: _Measures,
        baselines: _Baselines,
        signals: TamperSignals,
        now_s: float,
        learning: bool,
    ) -> None:
        step_s = min(max(now_s - self._last_s, 0.0), _MAX_STEP_S)
        self._last_s = now_s
        if learning:
            baselines.blend(measures, 1.0 / (baselines.frames + 1))
            return
        if TamperCondition.MOVED in signals.conditions:
            if self._moved_since_s is None:
                self._moved_since_s = now_s
            if now_s - self._moved_since_s >= self.settings.accept_view_s:
                # The camera was re-aimed for good: learn this view afresh.
                self._baselines = _Baselines.first(measures)
                self._started_s = now_s
                self._moved_since_s = None
            return
        self._moved_since_s = None
        if signals.conditions - {TamperCondition.FROZEN}:
            return
        baselines.blend(measures, 1.0 - math.exp(-step_s / self.settings.adapt_s))


def _measure(image_bgr: npt.NDArray[np.uint8], width: int) -> _Measures:
    small = downscale(image_bgr, width)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
    luma, contrast = (float(value[0][0]) for value in cv2.meanStdDev(grey))
    laplacian = cv2.Laplacian(grey, cv2.CV_32F)
    sharpness = float(laplacian.var()) / max(contrast * contrast, 1.0)
    cell_texture = _cells(grey, _TEXTURE_GRID).std(axis=(1, 3)) / max(luma, 8.0)
    return _Measures(grey, luma, contrast, sharpness, cell_texture.astype(np.float32), _edges(grey))


def _cells(image: Grey, grid: tuple[int, int]) -> Grey:
    """A (rows, cell height, columns, cell width) view; the ragged border is dropped."""
    rows, columns = grid
    cell_h, cell_w = image.shape[0] // rows, image.shape[1] // columns
    cropped = image[: cell_h * rows, : cell_w * columns]
    return cropped.reshape(rows, cell_h, columns, cell_w)


def _edges(grey: Grey) -> Grey:
    height = max(_MATCH_GRID[0], round(grey.shape[0] * _MATCH_WIDTH / grey.shape[1]))
    small = cv2.resize(grey, (_MATCH_WIDTH, height), interpolation=cv2.INTER_AREA)
    magnitude = cv2.magnitude(
        cv2.Sobel(small, cv2.CV_32F, 1, 0), cv2.Sobel(small, cv2.CV_32F, 0, 1)
    )
    # Blur so that a camera shaking by a pixel or two still matches its reference.
    return np.asarray(cv2.GaussianBlur(magnitude, (0, 0), 2.0), np.float32)


def _match_score(edges: Grey, reference: Grey) -> float:
    """Median over the reference's edged cells of the cell's correlation, -1 to 1."""
    current = _cells(edges, _MATCH_GRID)
    expected = _cells(reference, _MATCH_GRID)
    current = current - current.mean(axis=(1, 3), keepdims=True)
    expected = expected - expected.mean(axis=(1, 3), keepdims=True)
    products = (current * expected).sum(axis=(1, 3))
    norms = np.sqrt((current * current).sum(axis=(1, 3)) * (expected * expected).sum(axis=(1, 3)))
    usable = expected.std(axis=(1, 3)) > _EDGE_STD_MIN
    if not usable.any():
        return 1.0  # a featureless view cannot be told from a moved one; assume it stayed
    return float(np.median(products[usable] / (norms[usable] + 1e-6)))


def _texture_lost(cell_texture: Grey, baseline: Grey) -> float:
    textured = baseline >= _TEXTURED_MIN
    if textured.sum() < 4:
        return 0.0  # too little texture in the normal view to tell
    left = np.maximum(_TEXTURE_LOST * baseline[textured], _TEXTURE_FLOOR)
    lost = cell_texture[textured] < left
    return float(lost.mean())


def _judge(
    measures: _Measures,
    baselines: _Baselines,
    settings: TamperSettings,
    learning: bool,
    frozen_s: float | None,
) -> TamperSignals:
    sharpness_ratio = measures.sharpness / max(baselines.sharpness, 1e-6)
    texture_lost = _texture_lost(measures.cell_texture, baselines.cell_texture)
    match_score = _match_score(measures.edges, baselines.edges)
    found: set[TamperCondition] = set()
    if frozen_s is not None:
        found.add(TamperCondition.FROZEN)
    # The view conditions, most specific first: a black frame is also textureless, blurred
    # and unlike the reference, but it is reported as a blackout only.
    darkness = settings.darkness_ratio
    if learning:
        pass
    elif (
        measures.luma <= darkness * baselines.luma
        and measures.contrast <= darkness * baselines.contrast
    ):
        found.add(TamperCondition.BLACKOUT)
    elif texture_lost >= settings.covered_fraction:
        found.add(TamperCondition.COVERED)
    elif sharpness_ratio < settings.defocus_ratio:
        found.add(TamperCondition.DEFOCUS)
    elif match_score < settings.moved_match_min:
        found.add(TamperCondition.MOVED)
    return TamperSignals(
        conditions=frozenset(found),
        learning=learning,
        luma=measures.luma,
        luma_baseline=baselines.luma,
        contrast=measures.contrast,
        sharpness=measures.sharpness,
        sharpness_baseline=baselines.sharpness,
        sharpness_ratio=sharpness_ratio,
        texture_lost=texture_lost,
        match_score=match_score,
        frozen_s=frozen_s or 0.0,
    )
