# Two commands do all the set-up on a fresh Debian machine:
#   make demo   run the quickstart on sample footage (installs what it needs first)
#   make test   lint, type-check and run the test suite (installs what it needs first)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the tests need: ffmpeg; GStreamer's RTSP server with H.264 payloaders;
# espeak-ng for spoken dispatch orders; Chromium and CJK fonts for the console's browser tests;
# Mosquitto (its password tool, and private brokers) and openssl for the broker TLS tests.
DEBIAN_PACKAGES := ffmpeg espeak-ng python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-tools \
	chromium fonts-noto-cjk mosquitto openssl poppler-utils
# CPU machines: this torch pair is the one pip finds locally; the Docker image pins its own.
TORCH := torch==2.14.1 torchvision==0.29.1

.PHONY: demo test test-cluster lint typecheck pytest system-packages venv clean bench bench-live \
	bench-cluster

demo: venv
	$(BIN)/nightwatch demo $(ARGS)

test: venv system-packages lint typecheck pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy .

pytest: venv system-packages
	$(BIN)/pytest -ra $(PYTEST_ARGS)

# The cluster tests alone, with their output: the county scenario on a local three-node Ray
# cluster (about 4 minutes; `make test` runs them too).
test-cluster: venv system-packages
	$(BIN)/pytest -ra -s tests/nightwatch/cluster $(PYTEST_ARGS)

SHARED ?= $(or $(NIGHTWATCH_SHARED),../shared)
BENCH_CAMERAS ?= 4
BENCH_SECONDS ?= 600
BENCH_SCENE ?= busy
BENCH_SUBSTREAM ?=

# Throughput, latency, memory and recall on the shared footage (prints JSON).
bench: venv
	$(BIN)/nightwatch bench --source $(SHARED)/footage/people.mp4 \
		--model $(SHARED)/models/yolo11n_int8_openvino_model \
		--ground-truth $(SHARED)/footage/MOT17-mini --json

# BENCH_CAMERAS real-time RTSP cameras (BENCH_SCENE busy or quiet; BENCH_SUBSTREAM=1 for
# 640x360 detect streams beside 1080p record streams) for BENCH_SECONDS through the pipeline.
bench-live: venv system-packages
	$(BIN)/python tools/bench_live.py --cameras $(BENCH_CAMERAS) --duration $(BENCH_SECONDS) \
		--scene $(BENCH_SCENE) $(if $(BENCH_SUBSTREAM),--substream) --json

# Cluster overhead against a plain run, failover over BENCH_KILLS node kills, a head restart
# (local Ray clusters on this machine; PostgreSQL, Mosquitto and Redis on 127.0.0.1).
BENCH_KILLS ?= 5
bench-cluster: venv system-packages
	$(BIN)/python tools/bench_cluster.py --cameras $(BENCH_CAMERAS) --duration 120 \
		--kills $(BENCH_KILLS) --json

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install $(TORCH)
	$(BIN)/pip install -e '.[dev]'
	touch $(STAMP)

system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
