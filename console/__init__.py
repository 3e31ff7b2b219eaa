"""The control-room console: a FastAPI app (API, live feed, pages) over the running pipeline.

Build it with `create_app(ConsoleServices(...))`; `nightwatch run --http` serves it.
"""

from console.app import create_app
from console.services import ConsoleServices, ConsoleSettings

__all__ = ["ConsoleServices", "ConsoleSettings", "create_app"]
