"""The preprocessing an entry asks for, done once with ffmpeg into a cache folder.

The shared footage is read-only and is never copied into the repository: a prepared clip is
written under the cache folder (default ~/.cache/nightwatch/evaluate), named by a hash of the
source file and the preparation, so a second run finds it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from nightwatch.evaluation.manifest import Prepare

# Bumped when the ffmpeg command changes, so old cached clips are not reused.
_RECIPE = "1"
FFMPEG_TIMEOUT_S = 600.0


class PrepareError(Exception):
    """A clip could not be prepared; the message says why and what to do."""


def default_cache() -> Path:
    """$NIGHTWATCH_CACHE, else $XDG_CACHE_HOME/nightwatch, else ~/.cache/nightwatch; /evaluate."""
    configured = os.environ.get("NIGHTWATCH_CACHE")
    if configured:
        return Path(configured) / "evaluate"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nightwatch" / "evaluate"


def prepared_clip(source: Path, prepare: Prepare | None, cache: Path) -> Path:
    """The clip to analyse: `source` itself, or its prepared copy in `cache` (made if needed)."""
    if prepare is None or (prepare.loop_to_s is None and prepare.hold_last_s is None):
        return source
    stat = source.stat()
    recipe = f"{_RECIPE}|{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{prepare!r}"
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    target = cache / f"{source.stem}-{digest}.mp4"
    if target.is_file():
        return target
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise PrepareError("ffmpeg is needed to prepare clips; install it (apt-get install ffmpeg)")
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.{os.getpid()}.mp4")
    command = [ffmpeg, "-v", "error", "-y", *_arguments(source, prepare, partial)]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=FFMPEG_TIMEOUT_S)
    except subprocess.CalledProcessError as error:
        partial.unlink(missing_ok=True)
        reason = error.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
        raise PrepareError(f"ffmpeg could not prepare {source}: {reason[0]}") from error
    except subprocess.TimeoutExpired as error:
        partial.unlink(missing_ok=True)
        raise PrepareError(f"ffmpeg took over {FFMPEG_TIMEOUT_S:.0f} s on {source}") from error
    partial.replace(target)  # whole or not at all, should two runs prepare it at once
    return target


def _arguments(source: Path, prepare: Prepare, target: Path) -> list[str]:
    """ffmpeg's arguments: loop by stream copy; holding the last picture needs re-encoding."""
    inputs = ["-i", str(source)]
    if prepare.loop_to_s is not None:
        inputs = ["-stream_loop", "-1", *inputs]
    if prepare.hold_last_s is None:
        assert prepare.loop_to_s is not None
        return [*inputs, "-t", f"{prepare.loop_to_s:g}", "-an", "-c", "copy", str(target)]
    filters = []
    if prepare.loop_to_s is not None:
        filters.append(f"trim=duration={prepare.loop_to_s:g},setpts=PTS-STARTPTS")
    filters.append(f"tpad=stop_mode=clone:stop_duration={prepare.hold_last_s:g}")
    # Near-lossless, so the detector sees the pictures as the source has them.
    encode = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "12", "-pix_fmt", "yuv420p"]
    return [*inputs, "-vf", ",".join(filters), "-an", *encode, str(target)]
