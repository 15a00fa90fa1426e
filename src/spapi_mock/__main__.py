import sys

from spapi_mock.cli import main

sys.exit(main())
