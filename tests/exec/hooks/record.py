"""A hook that records what it received: stdin, argv and environment, as JSON in argv[1]."""

import json
import os
import sys

received = sys.stdin.read()
with open(sys.argv[1], "w") as out:
    json.dump({"stdin": received, "argv": sys.argv, "environ": dict(os.environ)}, out)
print("reloaded the mailer")
