"""What the tests share: the project's paths, the in-process app and its checked client
(``http``), live servers (``live_server``), Amazon's models as an oracle (``reference``), the
SDK clients and the network guard (``sdk``), the orders the feed and report tests place
(``orders``), a live mock's notifications as seller software subscribes to them and Amazon's
payload schemas check them (``notifications``), Node for the JS quick starts (``node``), and the
rule for missing tools (``tools``).
Fixtures built from them live in ``tests/conftest.py`` (and, for one directory's tests, in its own
``conftest.py``)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA = PROJECT_ROOT / "tests" / "data"
TEST_FIXTURES = DATA / "orders"
