"""Shared test infrastructure (real broker and store) for every test package.

nameko runs on eventlet; the services under test run in this process, so patch first."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

pytest_plugins = ["tests.infra", "tests.platform", "tests.hospital"]
