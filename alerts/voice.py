"""Spoken orders for the radio: espeak-ng (Debian's espeak-ng package) to one WAV file.

Each language is spoken by its own espeak-ng voice (Mandarin `cmn`, English `en`) and the
pieces are joined with a short pause, so a radio gateway plays one file per order.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PAUSE_S = 0.6  # between the languages
_TIMEOUT_S = 20.0


class VoiceError(Exception):
    """espeak-ng is missing, failed, or produced something unusable."""


@dataclass(frozen=True, slots=True)
class VoiceClip:
    path: Path
    duration_s: float
    sample_rate_hz: int
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Pcm:
    channels: int
    sample_width: int
    rate: int
    frames: bytes


class Voice:
    """Speaks texts with espeak-ng; `voices` maps a language (zh-CN, en) to a voice."""

    def __init__(
        self, voices: Mapping[str, str], command: str = "espeak-ng", words_per_minute: int = 150
    ) -> None:
        self.voices = dict(voices)
        self.command = command
        self.words_per_minute = words_per_minute

    def check(self) -> str | None:
        """Why speaking cannot work here (espeak-ng not installed), or None."""
        if shutil.which(self.command) is None:
            return f"{self.command} is not installed (Debian: apt-get install espeak-ng)"
        return None

    def speak(self, texts: Sequence[tuple[str, str]], path: Path) -> VoiceClip:
        """Write `texts` ((language, text) pairs, in order) as one WAV file at `path`."""
        pieces = [self._synthesize(self.voices[language], text) for language, text in texts]
        if not pieces:
            raise VoiceError("nothing to say")
        first = pieces[0]
        for piece in pieces[1:]:
            if (piece.channels, piece.sample_width, piece.rate) != (
                first.channels,
                first.sample_width,
                first.rate,
            ):
                raise VoiceError("espeak-ng voices produced different audio formats")
        pause = b"\0" * (int(PAUSE_S * first.rate) * first.channels * first.sample_width)
        frames = pause.join(piece.frames for piece in pieces)
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as writer:
            writer.setnchannels(first.channels)
            writer.setsampwidth(first.sample_width)
            writer.setframerate(first.rate)
            writer.writeframes(frames)
        duration_s = len(frames) / (first.rate * first.channels * first.sample_width)
        languages = tuple(language for language, _text in texts)
        return VoiceClip(path, round(duration_s, 3), first.rate, languages)

    def _synthesize(self, voice: str, text: str) -> _Pcm:
        # A file, not --stdout: espeak-ng cannot fill in the WAV sizes on a pipe.
        with tempfile.TemporaryDirectory(prefix="nightwatch-voice-") as folder:
            target = Path(folder) / "speech.wav"
            command = [self.command, "-v", voice, "-s", str(self.words_per_minute), "-w"]
            try:
                # The text goes on stdin, so nothing in it can read as an option.
                subprocess.run(
                    [*command, str(target)],
                    input=text.encode("utf-8"),
                    capture_output=True,
                    timeout=_TIMEOUT_S,
                    check=True,
                )
                with wave.open(str(target), "rb") as reader:
                    frames = reader.readframes(reader.getnframes())
                    pcm = _Pcm(
                        reader.getnchannels(), reader.getsampwidth(), reader.getframerate(), frames
                    )
            except FileNotFoundError as error:
                raise VoiceError(f"{self.command} is not installed: {error}") from error
            except subprocess.CalledProcessError as error:
                detail = error.stderr.decode("utf-8", "replace").strip()
                raise VoiceError(f"{self.command} -v {voice} failed: {detail}") from error
            except (subprocess.TimeoutExpired, wave.Error, EOFError) as error:
                raise VoiceError(f"{self.command} -v {voice}: {error}") from error
        if not pcm.frames:
            raise VoiceError(f"{self.command} -v {voice} said nothing")
        return pcm
