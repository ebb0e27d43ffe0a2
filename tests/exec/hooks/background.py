"""A hook that restarts its app in the background and exits with status argv[2].

The helper ("the app") inherits the hook's stdout and stderr and keeps them open; its pid
goes to argv[1].
"""

import subprocess
import sys

app = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(str(app.pid))
__import__("os").replace(sys.argv[1] + ".tmp", sys.argv[1])
sys.stdin.read()
status = int(sys.argv[2])
print("restarted the app", flush=True)
if status:
    print("reload failed", file=sys.stderr, flush=True)
sys.exit(status)
