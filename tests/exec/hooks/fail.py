"""A hook that rejects the login: complains on stderr (quoting the password) and exits 3."""

import json
import sys

login = json.load(sys.stdin)
print("checking the new login", file=sys.stderr)
print(f"app refused login {login['username']}:{login['password']}", file=sys.stderr)
sys.exit(3)
