"""Spoken orders with the real espeak-ng: a WAV that decodes, speech-long, not silent."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from alerts.voice import Voice, VoiceError

VOICES = {"zh-CN": "cmn", "en": "en"}
ORDER = [
    ("zh-CN", "巡逻一队请注意，东门发生区域入侵，请立即前往并回复确认。"),
    ("en", "Patrol one: intrusion at the east gate. Go now, and acknowledge."),
]


def samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as clip:
        assert (clip.getnchannels(), clip.getsampwidth()) == (1, 2)
        frames = clip.readframes(clip.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.float64), clip.getframerate()


def test_an_order_in_mandarin_and_english_is_one_wav_of_speech(tmp_path: Path) -> None:
    voice = Voice(VOICES)

    clip = voice.speak(ORDER, tmp_path / "order.wav")

    audio, rate = samples(clip.path)
    assert rate == clip.sample_rate_hz == 22050
    duration_s = len(audio) / rate
    assert duration_s == pytest.approx(clip.duration_s, abs=0.01)
    assert 4.0 <= duration_s <= 20.0, "not the length of a short spoken order"
    assert clip.languages == ("zh-CN", "en")
    loud = np.sqrt(np.mean(audio**2))
    assert loud > 500, f"RMS {loud:.0f}: the file is (nearly) silent"
    # Both languages are in it: the file is longer than either alone.
    alone = [voice.speak([part], tmp_path / f"{part[0]}.wav").duration_s for part in ORDER]
    assert clip.duration_s > max(alone) + 1.0


def test_text_that_looks_like_an_option_is_spoken_not_obeyed(tmp_path: Path) -> None:
    clip = Voice(VOICES).speak([("en", "--help me at gate two")], tmp_path / "odd.wav")

    assert clip.duration_s > 0.5


def test_without_espeak_ng_the_error_says_what_to_install(tmp_path: Path) -> None:
    voice = Voice(VOICES, command="espeak-ng-not-here")

    assert "apt-get install espeak-ng" in (voice.check() or "")
    with pytest.raises(VoiceError, match="not installed"):
        voice.speak(ORDER, tmp_path / "order.wav")
