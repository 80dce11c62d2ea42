"""`python -m diglsp`: the language server on stdio."""

import sys

from diglsp.server import main

sys.exit(main())
