"""`python -m mailserver` is the `caducee` command."""

import sys

from mailserver.cli import main

sys.exit(main())
