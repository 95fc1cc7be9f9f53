#!/usr/bin/env python3
# unit_exec.py UNIT ENVFILE [VAR=VALUE...]: the ExecStart= of UNIT as systemd
# would run it, one argument a line: EnvironmentFile= values (ENVFILE), then
# VAR=VALUE (e.g. STATE_DIRECTORY) on top; ${VAR} is one word, $VAR splits at
# whitespace (systemd.service(5), "Command lines"). Also prints, first,
# "caps=" the AmbientCapabilities and "bound=" the CapabilityBoundingSet.
import shlex, sys

unit, envfile, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
env = {}
for line in open(envfile):
    line = line.strip()
    if line and not line.startswith("#") and "=" in line:
        k, v = line.split("=", 1)
        env[k] = " ".join(shlex.split(v))
for kv in extra:
    k, v = kv.split("=", 1)
    env[k] = v
keys, text = {}, open(unit).read().replace("\\\n", " ")
for line in text.splitlines():
    if "=" in line and not line.startswith("#"):
        k, v = line.split("=", 1)
        keys[k.strip()] = v.strip()
words = []
for w in shlex.split(keys["ExecStart"]):
    if w.startswith("${") and w.endswith("}"):
        words.append(env.get(w[2:-1], ""))
    elif w.startswith("$"):
        words += env.get(w[1:], "").split()
    else:
        words.append(w)
caps = lambda k: ",".join("+" + c[4:].lower() for c in keys[k].split())
print("caps=" + caps("AmbientCapabilities"))
print("bound=" + caps("CapabilityBoundingSet"))
print("\n".join(words))
