"""The configuration schema. Every field says its unit and default; unknown keys are errors."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from config.cases import CasesConfig
from config.common import Name, Strict
from config.detect import DetectConfig
from config.dispatch import DispatchConfig
from config.positions import MapConfig, PositionConfig, check_positions
from config.rules import RuleConfig
from config.rules.base import parse_window
from config.storage import StorageConfig


class SiteConfig(Strict):
    name: str = Field("nightwatch", description="Site name shown in alerts and the console.")
    timezone: str = Field(
        "UTC", description="IANA time zone in which schedules are read, e.g. Asia/Shanghai."
    )
    map: MapConfig | None = Field(
        None, description="The wall's map: tiles or a site plan (config/positions.py); null: none."
    )
    shift: str = Field(
        "20:00-24:00",
        description="The night shift the shift report covers: a window HH:MM-HH:MM in the "
        "site time zone, like a schedule's (may cross midnight; 24:00 is the end of the "
        "day); a shift belongs to the date it starts on. Default 20:00-24:00.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai or UTC"
            ) from error
        return value

    @field_validator("shift")
    @classmethod
    def _valid_shift(cls, value: str) -> str:
        try:
            start, end = parse_window(value)
        except ValueError as error:
            raise ValueError(
                f"{error}; write the shift as HH:MM-HH:MM, e.g. 20:00-24:00 or 22:00-06:00"
            ) from None
        if start == end:
            raise ValueError(
                f"shift {value!r} starts and ends at the same time; write a window of at "
                "least one minute, e.g. 20:00-24:00"
            )
        return value


class TlsConfig(Strict):
    ca_file: str | None = Field(None, description="PEM file of the CA that signed the broker.")
    cert_file: str | None = Field(None, description="Client certificate (PEM), for mutual TLS.")
    key_file: str | None = Field(None, description="Client private key (PEM), for mutual TLS.")
    insecure: bool = Field(False, description="Skip the broker host-name check. Default false.")

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> TlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file must be given together")
        return self


class MqttConfig(Strict):
    url: str = Field(
        "mqtt://127.0.0.1:1883",
        description="Broker address: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS.",
    )
    protocol: Literal["5", "3.1.1"] = Field("5", description="MQTT protocol version.")
    client_id: str = Field("nightwatch", description="MQTT client id; unique per process.")
    username: str | None = Field(None, description="Broker user name, if the broker asks.")
    password: str | None = Field(None, description="Broker password; use ${ENV_VAR}.")
    topic_prefix: str = Field("nightwatch", description="First level of every topic.")
    keepalive_s: int = Field(30, ge=5, le=3600, description="Keep-alive interval, seconds.")
    tls: TlsConfig | None = Field(None, description="TLS settings; implied by mqtts://.")
    max_queued_messages: int = Field(
        10000, ge=100, description="Messages held in memory while the broker is away."
    )

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("mqtt", "mqtts") or not parsed.hostname:
            raise ValueError("must look like mqtt://HOST:PORT or mqtts://HOST:PORT")
        return value

    @field_validator("topic_prefix")
    @classmethod
    def _valid_prefix(cls, value: str) -> str:
        if not value or any(char in value for char in "+#") or value.startswith("/"):
            raise ValueError("must be non-empty, without '+', '#' or a leading '/'")
        return value.rstrip("/")

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parsed = urlparse(self.url)
        return parsed.port or (8883 if parsed.scheme == "mqtts" else 1883)

    @property
    def uses_tls(self) -> bool:
        return self.tls is not None or urlparse(self.url).scheme == "mqtts"


class ModelConfig(Strict):
    path: str = Field(
        "yolo11n.pt",
        description=(
            "Weights Ultralytics loads: .pt, .onnx, an OpenVINO folder or a TensorRT .engine. "
            "A bare name such as yolo11n.pt is downloaded on first use (needs internet)."
        ),
    )
    device: str = Field("cpu", description="Inference device: cpu, cuda:0, ...")
    pose_path: str | None = Field(
        None,
        description="A YOLO pose model (e.g. yolov8n-pose, an OpenVINO folder) for person_down "
        "rules: keypoints of people who are not clearly standing. Null or empty (default): "
        "boxes only.",
    )
    requests: int | None = Field(
        None,
        ge=1,
        le=32,
        description=(
            "Pictures an OpenVINO model runs at once on the CPU (its throughput mode's "
            "streams, one per lane of the shared inference worker). Unset: four for each stream "
            "OpenVINO finds best on this machine; 1: one picture at a time on all cores."
        ),
    )

    @field_validator("pose_path")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # `${NIGHTWATCH_POSE_MODEL:-}` with the variable unset: no pose model.
        return value if value and value.strip() else None


class ReconnectConfig(Strict):
    initial_s: float = Field(1.0, gt=0, description="First wait after a failure, seconds.")
    max_s: float = Field(30.0, gt=0, description="Longest wait between attempts, seconds.")
    stall_timeout_s: float = Field(
        10.0, gt=0, description="No frame for this long means the stream is stalled; seconds."
    )
    open_timeout_s: float = Field(10.0, gt=0, description="Time allowed to open, seconds.")


Point = tuple[float, float]


class ZoneConfig(Strict):
    polygon: tuple[Point, ...] = Field(
        description="Corners as [x, y] pairs in normalised image coordinates (0-1)."
    )

    @field_validator("polygon")
    @classmethod
    def _valid_polygon(cls, points: tuple[Point, ...]) -> tuple[Point, ...]:
        if len(points) < 3:
            raise PydanticCustomError(
                "zone_too_few_points",
                "a zone needs at least 3 points, got {count}",
                {"count": len(points), "fix": "list at least three [x, y] corners"},
            )
        for index, (x, y) in enumerate(points):
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise PydanticCustomError(
                    "zone_point_outside",
                    "point {index} [{x}, {y}] is outside 0-1; coordinates are fractions "
                    "of the image width and height",
                    {
                        "index": index,
                        "x": x,
                        "y": y,
                        "at": (index,),
                        "fix": "divide pixel coordinates by the picture's width and height",
                    },
                )
        return points


def check_source(value: str) -> str:
    """A camera source: rtsp(s)://, http(s)://, file://, a path, or usb:N / /dev/videoN."""
    if not value.strip():
        raise ValueError("is empty; give rtsp://..., a file path, or usb:0")
    scheme = urlparse(value).scheme
    if "://" in value and scheme not in ("rtsp", "rtsps", "file", "http", "https"):
        raise ValueError(f"scheme {scheme!r} is not supported; use rtsp://, rtsps:// or a path")
    return value


class StreamSources(Strict):
    """A camera's two streams: a small one to analyse, the full one to record.

    IP cameras offer a substream (640x360 or so) beside the main stream: detection decodes the
    substream only, and clips are cut from the main stream's packets, which are never decoded.
    """

    detect: str = Field(description="The stream motion, detection and the live view decode.")
    record: str = Field(description="The stream clips are cut from (stream copy, no decoding).")

    @field_validator("detect", "record")
    @classmethod
    def _valid_source(cls, value: str) -> str:
        return check_source(value)


class RecordConfig(Strict):
    """Alert clips from the camera's own packets, and snapshots."""

    enabled: bool = Field(True, description="Write snapshots and clips for this camera's alerts.")
    pre_capture_s: float = Field(
        5.0, ge=0, le=60, description="Clip starts this long before the alert (at a keyframe), s."
    )
    post_capture_s: float = Field(
        5.0, ge=0, le=300, description="Clip goes on this long after the alert ends, seconds."
    )
    max_buffer_mb: int = Field(
        64, ge=4, le=4096, description="Memory for the packet ring buffer, MiB. Default 64."
    )
    snapshot_from: Literal["detect", "record"] = Field(
        "detect",
        description="Stream snapshots are taken from: the analysed picture (detect), or the "
        "record stream, of which one picture near the alert's frame is decoded when a snapshot "
        "is due (sharper, at a little CPU). Default detect.",
    )


class PlacementConfig(Strict):
    """Where a camera may run in a cluster (`nightwatch cluster start`); ignored by
    `nightwatch run`, which runs every camera itself."""

    labels: dict[str, str] = Field(
        default_factory=dict,
        description="Node labels the camera needs, e.g. {district: north} for a camera whose "
        "stream is reachable only from that district's nodes. A value '!north' means any "
        "node but those, 'in(north,east)' one of these. Default: any node.",
    )
    cpus: float | None = Field(
        None,
        gt=0,
        le=64,
        description="CPU cores to set aside for the camera on its node. Default: estimated "
        "from detect.fps and detect_size (a busy 1080p camera at 5 detections/s uses about "
        "0.3 of a core).",
    )
    gpus: float = Field(
        0.0,
        ge=0,
        le=8,
        description="GPUs to set aside (e.g. 0.25 shares one among four cameras): the camera "
        "then runs only on a node with a GPU. Default 0.",
    )
    detect_size: tuple[int, int] = Field(
        (1920, 1080),
        description="Width and height of the analysed (detect) stream, pixels, for the CPU "
        "estimate. Default 1920x1080; a substream is typically 640x360.",
    )

    def cpu_share(self, detect_fps: float) -> float:
        """The cores this camera asks for: as configured, or estimated."""
        if self.cpus is not None:
            return self.cpus
        width, height = self.detect_size
        pixels = min(1.0, (width * height) / (1920 * 1080))
        return round(0.05 + 0.25 * (detect_fps / 5.0) * max(pixels, 0.1), 3)


class CameraConfig(Strict):
    source: str | StreamSources = Field(
        description="rtsp://, rtsps://, a video file path, or usb:N / /dev/videoN for USB; or "
        "{detect: URL, record: URL} for a camera whose substream is analysed and whose main "
        "stream is recorded."
    )
    enabled: bool = Field(True, description="Set false to keep a camera configured but idle.")
    location: str = Field("", description="Where the camera is, for patrols.")
    position: PositionConfig | None = Field(
        None,
        description="{lat, lon} in degrees, or {x, y} on the site plan; for the map and "
        "nearest-team dispatch. Default null.",
    )
    rtsp_transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport.")
    loop: bool = Field(False, description="Video files: start again at the end.")
    pace: Literal["realtime", "fast"] = Field(
        "realtime", description="Video files: play at the file's frame rate, or as fast as read."
    )
    detect: DetectConfig = Field(default_factory=DetectConfig)
    placement: PlacementConfig = Field(default_factory=PlacementConfig)
    reconnect: ReconnectConfig = Field(default_factory=ReconnectConfig)
    record: RecordConfig = Field(default_factory=RecordConfig)
    zones: dict[Name, ZoneConfig] = Field(default_factory=dict, description="Named zones.")
    rules: tuple[RuleConfig, ...] = Field(default=(), description="Rules on this camera.")

    max_decode_lag_s: float = Field(
        0.5,
        gt=0,
        le=30,
        description="Live streams: when decoding falls this far behind the stream, the rest of "
        "the group of pictures is skipped (counted as skipped_gops) so the picture analysed "
        "stays live; seconds, default 0.5.",
    )

    @field_validator("source")
    @classmethod
    def _valid_source(cls, value: str | StreamSources) -> str | StreamSources:
        return check_source(value) if isinstance(value, str) else value

    @property
    def detect_url(self) -> str:
        """The stream that is decoded and analysed."""
        return self.source if isinstance(self.source, str) else self.source.detect

    @property
    def record_url(self) -> str:
        """The stream clips are cut from (the same as detect_url for a single stream)."""
        return self.source if isinstance(self.source, str) else self.source.record

    @property
    def separate_record_stream(self) -> bool:
        return isinstance(self.source, StreamSources) and self.source.record != self.source.detect

    @model_validator(mode="after")
    def _rules_name_known_zones(self) -> CameraConfig:
        names: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.zone is not None and rule.zone not in self.zones:
                known = ", ".join(self.zones) or "none defined"
                raise PydanticCustomError(
                    "unknown_zone",
                    "'{zone}' is not a zone of this camera (known: {known})",
                    {
                        "zone": rule.zone,
                        "known": known,
                        "at": ("rules", index, "zone"),
                        "fix": "use one of the known zones, or define it under this camera's zones",
                    },
                )
            if rule.rule_name in names:
                raise PydanticCustomError(
                    "duplicate_rule_name",
                    "two rules are named '{name}'",
                    {"name": rule.rule_name, "at": ("rules", index), "fix": "give one a 'name'"},
                )
            names.add(rule.rule_name)
        return self


class ClusterConfig(Strict):
    """How `nightwatch cluster start` runs this configuration on a Ray cluster."""

    namespace: Name = Field(
        "nightwatch", description="Ray namespace of this site's actors (one per site)."
    )
    console: str | None = Field(
        "127.0.0.1:8000",
        description="HOST:PORT the console listens on, on the node that runs it; null: no "
        "console. Default 127.0.0.1:8000.",
    )
    console_labels: dict[str, str] = Field(
        default_factory=dict,
        description="Node labels the console needs (its address must be reachable there), "
        "as in cameras.*.placement.labels. Default: any worker node.",
    )


class NightwatchConfig(Strict):
    site: SiteConfig = Field(default_factory=SiteConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    cameras: dict[Name, CameraConfig] = Field(min_length=1, description="Cameras by name.")
    storage: StorageConfig = Field(default_factory=StorageConfig)
    dispatch: DispatchConfig | None = Field(
        None, description="Patrol teams, rosters, routing and escalation; null: no dispatch."
    )
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    cases: CasesConfig = Field(default_factory=CasesConfig)

    @model_validator(mode="after")
    def _positions_fit_the_map(self) -> NightwatchConfig:
        check_positions(self.site.map, self.cameras, self.dispatch)
        return self
