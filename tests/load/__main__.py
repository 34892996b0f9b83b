import sys

from tests.load.loadtest import main

sys.exit(main())
