"""`python -m splitlib.train` (and `torchrun -m splitlib.train`): the same as `splitlib train`."""

import sys

from splitlib.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
