"""A hook that never finishes: starts a helper process, records both pids in argv[1], waits."""

import os
import subprocess
import sys
import time

helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(f"{os.getpid()} {helper.pid}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
print("waiting for the app to reload", file=sys.stderr, flush=True)
time.sleep(600)
